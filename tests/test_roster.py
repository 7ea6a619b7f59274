"""The channel roster: who is in a channel, kept in step by join/leave events and taken from Slack's member
list at most once an hour per channel."""

import threading
from datetime import datetime, timedelta, timezone

from bot.db import Database
from bot.partnerships import roster
from bot.slack.rosters import channel_roster
from tests.harness.flows import add_rhythm, checkin_posts, set_up_partnership
from tests.harness.waiting import eventually

UTC = timezone.utc
NOON = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_the_roster_rules(db_url):
    db = Database(db_url)
    try:
        with db.session() as session:
            assert roster.needs_refresh(session, "C1", NOON)
            assert roster.people_in_channel(session, "C1") == set()
            roster.replace_roster(session, "C1", ["UA", "UB"], NOON)
            roster.replace_roster(session, "C2", ["UA"], NOON)
        with db.session() as session:
            assert not roster.needs_refresh(session, "C1", NOON + timedelta(hours=1))
            assert roster.needs_refresh(session, "C1", NOON + timedelta(hours=1, seconds=1))
            roster.note_joined(session, "C1", "UC", NOON)
            roster.note_joined(session, "C1", "UC", NOON)  # a retried event adds nothing
            roster.note_left(session, "C1", "UA", NOON)
            roster.note_left(session, "C1", "UZ", NOON)  # someone we never saw
        with db.session() as session:
            assert roster.people_in_channel(session, "C1") == {"UB", "UC"}
            assert roster.is_in_channel(session, "C1", "UC") and not roster.is_in_channel(session, "C1", "UA")
            assert roster.is_in_channel(session, "C2", "UA")
            later = NOON + timedelta(hours=2)
            roster.replace_roster(session, "C1", ["UD"], later)
        with db.session() as session:
            assert roster.people_in_channel(session, "C1") == {"UD"}
            assert not roster.needs_refresh(session, "C1", later)
            assert roster.people_in_channel(session, "C2") == {"UA"}
    finally:
        db.engine.dispose()


def test_check_ins_ask_slack_for_members_once_an_hour_and_events_keep_the_roster(clock, slack, fake, app):
    clock.set(NOON)
    set_up_partnership(slack, fake, app)
    add_rhythm(slack, fake, app)
    slack.command("rhythm run 1")
    eventually(lambda: len(checkin_posts(fake)) == 1, what="first check-in")
    assert fake.calls_to("conversations.members") == []  # the roster was taken from Slack when setup ran

    # Slack tells of a newcomer and a leaver; the next check-in in the hour asks no member list.
    fake.add_user("UNEW", "T_EXT")
    slack.event({"type": "member_joined_channel", "channel": "C_PARTNER", "user": "UNEW", "team": "T_EXT"})
    slack.event({"type": "member_left_channel", "channel": "C_PARTNER", "user": "UHOME3", "team": "T_HOME"})

    def in_channel():
        with app.runtime.db.session() as session:  # one short unit per look: a held one would block the writers
            return roster.people_in_channel(session, "C_PARTNER")

    eventually(lambda: "UNEW" in in_channel() and "UHOME3" not in in_channel(), what="roster kept by events")
    clock.advance(minutes=30)
    slack.command("rhythm run 1")
    eventually(lambda: len(checkin_posts(fake)) == 2, what="second check-in")
    second = str(checkin_posts(fake)[1].args["blocks"])
    assert "<@UNEW>" in second and "<@UHOME3>" not in second
    assert fake.calls_to("conversations.members") == []

    # After the hour, the member list is taken from Slack again (here: UHOME3 is back).
    clock.advance(minutes=31)
    slack.command("rhythm run 1")
    eventually(lambda: len(checkin_posts(fake)) == 3, what="third check-in")
    assert len(fake.calls_to("conversations.members")) == 1
    assert "<@UHOME3>" in str(checkin_posts(fake)[2].args["blocks"])


def test_workers_needing_one_stale_roster_together_ask_slack_once(fake, app):
    fake.delay("conversations.members", 0.3)  # the first asker is still waiting when the others arrive
    found: list = []
    workers = [
        threading.Thread(target=lambda: found.append(channel_roster(app.runtime, "C_PARTNER"))) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(fake.calls_to("conversations.members")) == 1
    assert found == [set(fake.channel_members["C_PARTNER"])] * 4


def test_check_ins_do_not_ask_slack_about_the_bots_in_the_channel_each_time(clock, slack, fake, app):
    clock.set(NOON)
    fake.add_user("UOTHERBOT", "T_HOME", is_bot=True)
    fake.channel_members["C_PARTNER"].append("UOTHERBOT")  # this bot (UBOT) is in the channel too
    set_up_partnership(slack, fake, app)
    add_rhythm(slack, fake, app)
    for n in (1, 2, 3):
        clock.advance(minutes=10)  # a run now is one occurrence: each run at its own moment
        slack.command("rhythm run 1")
        eventually(lambda n=n: len(checkin_posts(fake)) == n, what=f"check-in {n}")
    asked = [call.args.get("user") for call in fake.calls_to("users.info")]
    assert "UBOT" not in asked  # ourselves: known from auth.test
    assert asked.count("UOTHERBOT") <= 1  # another bot: asked once, then remembered
