"""Milestones, celebrations and kudos end to end, across the company line."""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.models import Kudos, Milestone
from tests.harness.app_server import AppServer
from tests.harness.flows import (
    add_rhythm,
    checkin_posts,
    count,
    give_feedback,
    raise_escalation,
    reply,
    set_feedback_cycle,
    set_up_partnership,
)
from tests.harness.slack_driver import select as chosen
from tests.harness.slack_driver import shown, text
from tests.harness.waiting import eventually

UTC = timezone.utc


@pytest.fixture
def partnership(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # Sunday; London is on UTC in November
    set_up_partnership(slack, fake, app)
    return "C_PARTNER"


def milestone(app, number=1) -> Milestone:
    with app.runtime.db.session() as session:
        found = session.scalar(select(Milestone).where(Milestone.number == number))
        if found is not None:
            _ = found.moves
        return found


def posts(fake, containing: str) -> list[dict]:
    return [c.args for c in fake.calls_to("chat.postMessage") if containing in c.args["text"]]


def test_milestone_commands_and_their_errors(partnership, slack, fake, app):
    assert slack.command('milestone add "Go-live in Manila" 2026-12-15 <@UEXT1|eve>').body == ""  # acked first
    assert fake.next("response_url")["text"] == "Milestone 1 added."
    announced = fake.next("chat.postMessage")
    assert "milestone 1: *Go-live in Manila*, due 2026-12-15 (<@UEXT1>)" in announced["text"]
    cases = {
        'milestone add "Go-live" 2026-13-01': "'2026-13-01' is not a date",
        'milestone add "Go-live" 2026-11-01': "2026-11-01 is already past",
        "milestone add": "Give the name in quotes",
        "milestone add Go-live": "Give the date as YYYY-MM-DD",
        'milestone add "Go-live" 2026-12-20 dana': "'dana' is not a person",
        "milestone done 9": "There is no milestone 9 here",
        "milestone move 1 someday": "'someday' is not a date",
        "milestone move 1": "Give the date as YYYY-MM-DD",
        "milestone fly 1": "`fly` is not a milestone command",
    }
    for words, expected in cases.items():
        assert expected in slack.command(words).text, words
    assert (
        "Only the milestone's owner or a lead can move milestone 1"
        in slack.command("milestone move 1 2026-12-20", user="UHOME2").text
    )
    assert count(app, Milestone) == 1 and milestone(app).due_date.isoformat() == "2026-12-15"

    assert "now due 2026-12-18" in slack.command("milestone move 1 2026-12-18").text
    assert "already due 2026-12-18" in slack.command("milestone move 1 2026-12-18").text
    listing = slack.command("milestone list").shown
    assert "*1.* Go-live in Manila — due 2026-12-18 (in 26 days), <@UEXT1>, moved 1×" in listing
    [move] = milestone(app).moves
    assert (move.from_date.isoformat(), move.to_date.isoformat(), move.user_id) == ("2026-12-15", "2026-12-18", "ULEAD")
    slack.command('milestone add "Retire old IVR" 2027-01-10')
    eventually(lambda: milestone(app, 2) and milestone(app, 2).message_ts, what="stored")  # add acks first
    assert "Milestone 2 removed" in slack.command("milestone remove 2").text
    assert "There is no milestone 2 here" in slack.command("milestone done 2").text
    assert "Retire old IVR" not in slack.command("milestone").shown
    status = json.dumps(slack.command("status").json["blocks"])
    assert "Next milestones: Go-live in Manila 2026-12-18" in status


def test_reminders_and_overdue_come_once_on_the_right_local_day(clock, slack, fake, app, db_url):
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app, timezone=text("America/New_York"))  # 09:00 local is 14:00 UTC
    slack.command('milestone add "Q1 plan signed" 2026-12-10')
    # `add` answers Slack before its transaction commits (it posts its message inside it): wait for the commit.
    eventually(lambda: milestone(app) and milestone(app).message_ts, what="milestone stored")
    assert "now due 2026-12-11" in slack.command("milestone move 1 2026-12-11").text  # the reminders follow it
    fake.reset()
    replica = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()

    def tick(moment):
        clock.set(moment)
        threads = [threading.Thread(target=s.tick) for s in (app.scheduler, replica.scheduler) for _ in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]

    try:
        tick(datetime(2026, 12, 3, 14, 0, tzinfo=UTC))  # 7 days before the first date: moved away, quiet
        assert posts(fake, "Q1 plan signed") == []
        tick(datetime(2026, 12, 4, 13, 59, tzinfo=UTC))
        assert posts(fake, "Q1 plan signed") == []
        tick(datetime(2026, 12, 4, 14, 0, tzinfo=UTC))
        assert [p["text"] for p in posts(fake, "Q1 plan signed")] == [
            ":calendar: *Q1 plan signed* (milestone 1, no owner) is due in 7 days, on 2026-12-11."
        ]
        tick(datetime(2026, 12, 10, 14, 0, tzinfo=UTC))
        tick(datetime(2026, 12, 12, 14, 0, tzinfo=UTC))
        tick(datetime(2026, 12, 13, 14, 0, tzinfo=UTC))
        texts = [p["text"] for p in posts(fake, "Q1 plan signed")]
        assert len(texts) == 3 and "due in 1 day" in texts[1] and texts[2].startswith(":red_circle:")
    finally:
        replica.stop()


def test_done_celebrates_contributors_of_both_sides_and_the_plan(partnership, clock, slack, fake, app):
    set_feedback_cycle(slack, fake, app, "0")
    slack.command('milestone add "Go-live in Manila" 2026-12-15 <@UEXT1>')
    thread = eventually(lambda: milestone(app) and milestone(app).message_ts, what="milestone posted")
    reply(
        slack,
        "Huge thanks to <@UEXT2> and <@UHOME2> for the cutover plan",
        thread_ts=thread,
        ts="1800000100.000001",
        user="UEXT1",
        team="T_EXT",
    )
    add_rhythm(slack, fake, app, audience=chosen("both"))
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    checkin_ts = app_checkin_ts(app)
    reply(slack, "On track", thread_ts=checkin_ts, ts="1800000100.000002", user="UHOME3", team="T_HOME")
    eventually(lambda: len(fake.calls_to("reactions.add")) == 1, what="answer recorded")
    slack.command("milestone move 1 2026-12-18")
    clock.set(datetime(2026, 12, 16, 11, 0, tzinfo=UTC))
    assert "Only the milestone's owner or a lead can mark done" in slack.command("milestone done 1", user="UHOME2").text
    fake.reset()
    assert "is done" in slack.command("milestone done 1").text
    [party] = eventually(lambda: posts(fake, "Milestone reached"), what="celebration posted after the ack")
    body = shown(party)
    assert body.startswith(":tada: *Milestone reached: Go-live in Manila*\nOwner: <@UEXT1>")
    assert "With Acme (client): <@UHOME2>, <@UHOME3>" in body
    assert "With Globex (vendor): <@UEXT1>, <@UEXT2>" in body
    assert "Landed 1 day late against the original plan (2026-12-15), rescheduled 1 time." in body
    assert "already done" in slack.command("milestone done 1").text


def app_checkin_ts(app):
    from bot.models import Checkin

    with app.runtime.db.session() as session:
        return session.scalar(select(Checkin.message_ts))


def test_anniversary_and_days_without_a_p1_are_celebrated_once(partnership, clock, slack, fake, app):
    set_feedback_cycle(slack, fake, app, "0")
    clock.set(datetime(2026, 11, 22, 12, 1, tzinfo=UTC))
    app.scheduler.tick()  # plans this partnership's celebrations
    clock.set(datetime(2026, 12, 22, 12, 1, tzinfo=UTC))  # 30 days after setup
    app.scheduler.tick()
    app.scheduler.tick()
    assert [p["text"] for p in posts(fake, "without a P1")] == [
        ":shield: *30 days without a P1 escalation.* Steady work on both sides."
    ]
    raise_escalation(slack, fake, app, severity=chosen("P1"))  # the count starts again
    fake.reset()
    clock.set(datetime(2027, 2, 20, 12, 1, tzinfo=UTC))  # 90 days after setup, 60 after the P1
    app.scheduler.tick()
    assert [p["text"][:41] for p in posts(fake, "without a P1")] == [":shield: *30 days without a P1 escalation"]
    clock.set(datetime(2027, 3, 24, 12, 1, tzinfo=UTC))  # 90 days after the P1
    app.scheduler.tick()
    assert len(posts(fake, "90 days without a P1")) == 1
    fake.reset()
    clock.set(datetime(2027, 11, 22, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    app.scheduler.tick()
    [party] = posts(fake, "1 year of")
    assert party["text"].startswith(":birthday: *1 year of Acme support with Globex!*")


def test_ten_perfect_check_ins_in_a_row_are_a_streak(partnership, clock, slack, fake, app):
    set_feedback_cycle(slack, fake, app, "0")
    fake.channel_members["C_PARTNER"] = ["ULEAD", "UEXT1", "UBOT"]
    add_rhythm(slack, fake, app, cadence=chosen("business_days"), window_hours=text("4"), nudge_after_hours=text(""))
    day = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for n in range(11):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        clock.set(day)
        app.scheduler.tick()
        assert len(checkin_posts(fake)) == n + 1
        thread = app_latest_checkin_ts(app)
        clock.set(day + timedelta(minutes=30))
        for index, (user, team) in enumerate((("ULEAD", "T_HOME"), ("UEXT1", "T_EXT"))):
            reply(slack, "done", thread_ts=thread, ts=f"1800001{n:03d}.{index:06d}", user=user, team=team)
        eventually(lambda done=2 * (n + 1): len(fake.calls_to("reactions.add")) == done, what="answers recorded")
        clock.set(day + timedelta(hours=4))
        app.scheduler.tick()
        day += timedelta(days=1)
    streaks = posts(fake, "check-ins in a row")
    assert [p["text"] for p in streaks] == [
        ":fire: *10 check-ins in a row* with everyone answering on time. Well done, both teams!"
    ]


def app_latest_checkin_ts(app):
    from bot.models import Checkin

    with app.runtime.db.session() as session:
        return session.scalar(select(Checkin.message_ts).order_by(Checkin.scheduled_for.desc()).limit(1))


def test_a_feedback_score_at_a_new_high_is_celebrated(partnership, clock, slack, fake, app):
    for moment, quality in (
        (datetime(2026, 11, 30, 10, tzinfo=UTC), 3),
        (datetime(2026, 12, 14, 10, tzinfo=UTC), 4),
        (datetime(2026, 12, 28, 10, tzinfo=UTC), 2),
    ):
        clock.set(moment)
        app.scheduler.tick()
        give_feedback(
            slack,
            fake,
            app,
            user="UEXT1",
            team="T_EXT",
            quality=quality,
            communication=quality,
            responsiveness=quality,
            proactivity=quality,
        )
    clock.set(datetime(2027, 1, 11, 10, tzinfo=UTC))
    app.scheduler.tick()
    highs = [p["text"] for p in posts(fake, "A new high")]
    assert highs == [
        ":star2: *A new high*: Globex rates Acme 4.0/5 in feedback cycle 2, the best yet (previous best 3.0)."
    ]


def test_kudos_across_the_company_line_and_the_counts(partnership, slack, fake, app):
    assert slack.command("<@UEXT1|eve> for the cutover plan, it's great", command="/kudos").body == ""
    post = fake.next("chat.postMessage")["text"]  # the post in the channel is the answer
    assert post == (
        ":clap: Kudos from <@ULEAD> (Acme, client) to <@UEXT1> (Globex, vendor): for the cutover plan, it's great"
    )
    slack.command("kudos <@UHOME2> covering the night shift <!channel>")
    assert "&lt;!channel&gt;" in fake.next("chat.postMessage")["text"]
    slack.click("card_kudos", value="C_PARTNER", user="UEXT2", team="T_EXT")
    modal = slack.next_modal()
    selfish = slack.submit_view(
        modal,
        {"receiver": {"type": "users_select", "selected_user": "UEXT2"}, "text": text("me")},
        user="UEXT2",
        team="T_EXT",
    )
    assert "Kudos are for someone else" in selfish.json["errors"]["receiver"]
    slack.submit_view(
        modal,
        {"receiver": {"type": "users_select", "selected_user": "UEXT1"}, "text": text("Always on time")},
        user="UEXT2",
        team="T_EXT",
    )
    slack.click("card_kudos", value="C_PARTNER", user="UEXT3", team="T_EXT")
    modal = slack.next_modal()
    slack.submit_view(
        modal,
        {"receiver": {"type": "users_select", "selected_user": "ULEAD"}, "text": text("Clear priorities")},
        user="UEXT3",
        team="T_EXT",
    )
    eventually(lambda: count(app, Kudos) == 4, what="kudos stored")
    for words, expected in (
        ("kudos <@ULEAD> myself", "Kudos are for someone else"),
        ("kudos <@UEXT1>", "Say what they did"),
        ("kudos", "Mention who you are thanking"),
        ("kudos eve thanks", "'eve' is not a person"),
    ):
        assert expected in slack.command(words).text, words
    assert count(app, Kudos) == 4
    status = "\n".join(b["text"]["text"] for b in slack.command("status").json["blocks"] if b["type"] == "section")
    assert "Kudos: client→vendor 1 · vendor→client 1 · most thanked: <@UEXT1> 2, <@UHOME2> 1, <@ULEAD> 1" in status
