"""A failed or refused request leaves no trace, on SQLite exactly as on PostgreSQL: every creating form is
submitted while Slack refuses its post, or with input out of range, or by someone not allowed, and every
row of every table is compared before and after."""

import hashlib
import hmac
import json
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Answer, Escalation, Member, ProcessedEvent
from tests.harness.flows import (
    add_rhythm,
    checkin_posts,
    checkins,
    count,
    escalation_values,
    feedback_values,
    give_feedback,
    raise_escalation,
    rhythm_values,
    set_feedback_cycle,
    set_up_partnership,
    setup_values,
)
from tests.harness.slack_driver import radio, shown, text
from tests.harness.slack_driver import select as chosen
from tests.harness.tables import changes, snapshot
from tests.harness.waiting import eventually

UTC = timezone.utc
META = json.dumps({"channel_id": "C_PARTNER"})


@pytest.fixture
def ready(clock, slack, fake, app):
    """A partnership whose lead has already raised one escalation (so every cache is warm)."""
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    raise_escalation(slack, fake, app)
    fake.reset()
    return "C_PARTNER"


def members(app) -> list[Member]:
    with app.runtime.db.session() as session:
        return list(session.scalars(select(Member)))


def said_to(fake, user: str) -> str:
    """Everything the app told `user` (ephemerals, DMs, response_url answers) so far."""
    told = [c.args.get("text", "") for c in fake.calls_to("chat.postEphemeral") if c.args.get("user") == user]
    told += [c.args.get("text", "") for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == user]
    told += [c.args.get("text", "") for c in fake.calls_to("response_url")]
    return "\n".join(told)


def test_an_escalation_slack_will_not_post_is_not_stored(ready, slack, fake, app):
    before = snapshot(app)
    fake.error("chat.postMessage", "not_in_channel")
    response = slack.submit("escalation_raise", escalation_values(), private_metadata=META)
    assert response.status == 200 and response.body == ""
    eventually(lambda: "not raised" in said_to(fake, "ULEAD"), what="the raiser told")
    assert "/invite @partnerbot" in said_to(fake, "ULEAD")
    assert changes(before, snapshot(app)) == {}


def test_a_milestone_slack_will_not_post_is_not_stored(ready, slack, fake, app):
    before = snapshot(app)
    fake.error("chat.postMessage", "not_in_channel")
    answer = slack.command('milestone add "Go-live" 2027-02-01').text
    eventually(lambda: "not_in_channel" in answer + said_to(fake, "ULEAD"), what="the lead told")
    assert changes(before, snapshot(app)) == {}
    answer = slack.command('milestone add "Go-live" 9999-12-31').text
    assert "2100" in answer or "date" in answer
    assert changes(before, snapshot(app)) == {}


def test_kudos_slack_will_not_post_are_not_stored(ready, slack, fake, app):
    before = snapshot(app)
    fake.error("chat.postMessage", "not_in_channel")
    slack.command("<@UEXT1> thanks for the cover", command="/kudos")
    eventually(lambda: "not_in_channel" in said_to(fake, "ULEAD"), what="the giver told")
    assert changes(before, snapshot(app)) == {}


def test_a_setup_slack_will_not_post_is_not_stored(clock, slack, fake, app):
    fake.error("chat.postMessage", "not_in_channel")
    slack.command("setup", channel="C_PARTNER")
    fake.wait_for("views.open")
    before = snapshot(app)  # after the command, which took the channel's roster from Slack
    slack.submit("partnership_setup", setup_values(), private_metadata=META)
    eventually(lambda: "nothing was set up" in said_to(fake, "ULEAD"), what="the lead told")
    assert changes(before, snapshot(app)) == {}


def test_an_action_due_beyond_the_calendar_is_not_stored(ready, clock, slack, fake, app):
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    give_feedback(slack, fake, app, user="UEXT1", team="T_EXT", change="Share the roadmap earlier")
    clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    report = next(c.args for c in fake.calls_to("chat.postMessage") if c.args["text"].endswith("report"))
    point = next(b["accessory"]["value"] for b in report["blocks"] if "roadmap" in b["text"]["text"])
    fake.reset()
    slack.click("feedback_point_action", value=point)
    modal = fake.wait_for("views.open")[0].args["view"]
    before = snapshot(app)
    response = slack.submit_view(modal, {"title": "Roadmap", "owner": "UEXT1", "due_date": "9999-12-31"})
    assert response.status == 200
    eventually(lambda: "errors" in (response.body or "") or "not created" in said_to(fake, "ULEAD"), what="refused")
    assert changes(before, snapshot(app)) == {}
    fake.error("chat.postMessage", "not_in_channel")
    slack.submit_view(modal, {"title": "Roadmap", "owner": "UEXT1", "due_date": "2026-12-20"})
    eventually(lambda: "not_in_channel" in said_to(fake, "ULEAD"), what="the lead told")
    assert changes(before, snapshot(app)) == {}


def test_a_refused_rhythm_or_cycle_form_does_not_make_the_asker_a_member(ready, slack, fake, app):
    before = snapshot(app)
    response = slack.submit("rhythm_add", rhythm_values(), private_metadata=META, user="UHOME2")
    assert "Only leads" in response.body
    response = slack.submit(
        "feedback_cycle", {"weeks": chosen("2"), "anonymity": radio("anonymous")}, private_metadata=META, user="UEXT2"
    )
    assert "Only leads" in response.body
    assert changes(before, snapshot(app)) == {}
    response = slack.submit(
        "escalation_raise", escalation_values(title=text("x" * 500)), private_metadata=META, user="UHOME3"
    )
    assert "errors" in response.body
    assert changes(before, snapshot(app)) == {}


def test_an_answer_whose_first_delivery_failed_is_recorded_from_slacks_retry(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    add_rhythm(slack, fake, app)
    slack.command("rhythm run 1")
    eventually(lambda: checkin_posts(fake), what="check-in sent")
    thread = eventually(lambda: checkins(app)[0].message_ts, what="check-in recorded")
    fake.add_user("UNEW", "T_EXT")
    answer = {"type": "message", "channel": "C_PARTNER", "user": "UNEW", "text": "All green", "ts": "1800000000.000200"}
    answer["thread_ts"] = thread
    fake.reset()
    fake.fail("users.info", status=500, times=4)  # as often as the gateway tries (with back-off): the work fails
    assert slack.event(answer, event_id="EvNEWCOMER").status == 200
    eventually(lambda: count(app, ProcessedEvent) == 1, what="the delivery claimed")
    eventually(lambda: len(fake.attempts) == 4, timeout=30, what="users.info failing")
    eventually(lambda: count(app, ProcessedEvent) == 0, what="the failed delivery's claim released")
    assert count(app, Answer) == 0
    assert slack.event(answer, event_id="EvNEWCOMER", retry_num=1).status == 200
    eventually(lambda: count(app, Answer) == 1, what="the retry recorded the answer")
    assert slack.event(answer, event_id="EvNEWCOMER", retry_num=2).status == 200
    eventually(lambda: len(fake.calls_to("reactions.add")) == 1, what="reacted once")
    assert count(app, Answer) == 1


def test_two_leads_demoting_each_other_at_once_leave_one_lead(clock, slack, fake, app):
    set_up_partnership(slack, fake, app)
    made = slack.command("role <@UHOME2> lead")
    assert "is now a lead" in (made.text or fake.wait_for("response_url")[0].args["text"])
    for _ in range(12):
        answers = {}

        def demote(asker, other, answers=answers):
            answers[asker] = slack.command(f"role <@{other}> member", user=asker).text

        racers = [
            threading.Thread(target=demote, args=("ULEAD", "UHOME2")),
            threading.Thread(target=demote, args=("UHOME2", "ULEAD")),
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
        leads = [m for m in members(app) if m.role == "lead"]
        assert len(leads) == 1, answers
        [refused] = [text_ for text_ in answers.values() if "is now a member" not in text_]
        assert "Only leads" in refused or "only lead" in refused
        [lead] = leads
        other = "UHOME2" if lead.user_id == "ULEAD" else "ULEAD"
        assert "is now a lead" in slack.command(f"role <@{other}> lead", user=lead.user_id).text


@pytest.mark.parametrize("outsider,team", [("UOUT", "T_HOME"), ("UTHIRD", "T_THIRD")])
def test_people_outside_the_channel_take_no_part(outsider, team, ready, slack, fake, app):
    fake.add_user(outsider, team)  # in Slack, able to see the public channel, but not in it
    slack.click("card_give_feedback", value="C_PARTNER")  # a member's form, kept to submit as the outsider
    feedback_form = slack.next_modal()
    fake.reset()
    before = snapshot(app)
    for button in ("card_raise_escalation", "card_give_feedback", "card_kudos", "card_post_update", "card_status"):
        slack.click(button, value="C_PARTNER", user=outsider, team=team)
    told = fake.wait_for("response_url", 5)
    assert all("join <#C_PARTNER> to take part" in c.args["text"] for c in told)
    assert fake.calls_to("views.open") == []
    forms = [
        ("escalation_raise", escalation_values(severity=chosen("P1")), META),
        ("kudos_give", {"receiver": {"type": "users_select", "selected_user": "UEXT1"}, "text": text("Great")}, META),
        ("feedback_form", feedback_values(), feedback_form["private_metadata"]),
    ]
    for callback, values, metadata in forms:
        response = slack.submit(callback, values, private_metadata=metadata, user=outsider, team=team)
        assert response.status == 200
        if response.body:
            assert "join <#C_PARTNER> to take part" in response.body
    slack.click("esc_acknowledge", value="1", user=outsider, team=team)
    eventually(lambda: len(fake.calls_to("response_url")) == 6, what="the outsider told")
    assert changes(before, snapshot(app)) == {}
    assert not [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == "C_PARTNER"]


def test_an_anonymous_form_is_never_stored_attributed(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    set_feedback_cycle(slack, fake, app, "2", "anonymous")
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    app.scheduler.tick()  # cycle 1 opens, anonymous
    slack.click("card_give_feedback", value="C_PARTNER", user="UEXT1", team="T_EXT")
    form = fake.wait_for("views.open")[0].args["view"]
    assert "anonymous" in json.dumps(form["blocks"]).lower()
    set_feedback_cycle(slack, fake, app, "2", "attributed")
    clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
    app.scheduler.tick()  # cycle 1 reports, cycle 2 opens attributed
    fake.reset()
    before = snapshot(app)
    response = slack.submit(
        "feedback_form",
        feedback_values(change="Fewer meetings"),
        private_metadata=form["private_metadata"],
        user="UEXT1",
        team="T_EXT",
    )
    assert "Give feedback again" in response.body
    assert changes(before, snapshot(app)) == {}


def test_a_database_dump_ties_no_anonymous_answer_to_a_member(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    set_feedback_cycle(slack, fake, app, "2", "anonymous")
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    for minutes, user in ((7, "UEXT1"), (19, "UEXT2"), (43, "UEXT3")):
        clock.set(datetime(2026, 11, 30, 10, minutes, 13, 250000, tzinfo=UTC))
        give_feedback(slack, fake, app, user=user, team="T_EXT")

    def linkable(dump) -> list:
        """Every way a reader of the dump (all tables, no settings) could try to tie an answer to a member."""
        found = []
        salts = [str(value) for row in dump["partnerships"] for value in row]  # the feedback_salt among them
        members = [(row[2], row[3]) for row in dump["members"]]
        for response in dump["feedback_responses"]:
            text_ = repr(response)
            found += [user for _, user in members if user in text_]
            for salt in salts:
                for team, user in members:
                    message = f"{response[1]}:{team}:{user}".encode()
                    if hmac.new(salt.encode(), message, hashlib.sha256).hexdigest() in text_:
                        found.append((salt[:8], user))
            found += [t for t in response if isinstance(t, datetime) and t.time() != datetime.min.time()]
        return found

    during = snapshot(app)
    assert len(during["feedback_responses"]) == 3 and linkable(during) == []
    clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
    app.scheduler.tick()  # the cycle closes and reports
    after = snapshot(app)
    assert len(after["feedback_responses"]) == 3 and linkable(after) == []


@pytest.fixture
def other_bot(ready, fake, app):
    """Another app's bot, in the channel, and (from an older version that let it in) already a member."""
    fake.add_user("UOTHERBOT", "T_HOME", is_bot=True)
    fake.channel_members["C_PARTNER"].append("UOTHERBOT")
    with app.runtime.db.session() as session:
        session.add(
            Member(
                partnership_id=members(app)[0].partnership_id,
                team_id="T_HOME",
                user_id="UOTHERBOT",
                side="client",
                role="member",
                joined_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )
    return "UOTHERBOT"


def escalation_id(app) -> int:
    with app.runtime.db.session() as session:
        return session.scalar(select(Escalation.id))


def test_bots_hold_no_role_ownership_or_kudos(other_bot, slack, fake, app):
    before = snapshot(app)
    for words in ("role <@UBOT> lead", "role <@UOTHERBOT> sponsor", "side <@UOTHERBOT> vendor"):
        answered = slack.command(words).text or fake.next("response_url")["text"]
        assert "is a bot, not a person" in answered, words
    fake.reset()
    slack.command("<@UOTHERBOT> thanks for the reminders", command="/kudos")
    eventually(lambda: "is a bot, not a person" in said_to(fake, "ULEAD"), what="the giver told")
    # An escalation cannot be given to a bot either.
    fake.reset()
    slack.click("esc_assign", value=str(escalation_id(app)))
    slack.submit_view(slack.next_modal(), {"owner": "UOTHERBOT", "note": "the bot will do it"})
    eventually(lambda: "is a bot, not a person" in said_to(fake, "ULEAD"), what="the assigner told")
    assert changes(before, snapshot(app)) == {}


def test_bots_are_never_expected_in_a_check_in(ready, clock, slack, fake, app):
    # Another app's bot joins the channel and speaks there, and partnerbot is in it too.
    fake.add_user("UOTHERBOT", "T_HOME", is_bot=True)
    fake.channel_members["C_PARTNER"].append("UOTHERBOT")
    slack.event({"type": "member_joined_channel", "channel": "C_PARTNER", "user": "UOTHERBOT", "team": "T_HOME"})
    slack.event(
        {
            "type": "message",
            "channel": "C_PARTNER",
            "user": "UOTHERBOT",
            "bot_id": "BOTHER",
            "text": "beep",
            "ts": "1800000001.000100",
        }
    )
    add_rhythm(slack, fake, app)
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    [post] = checkin_posts(fake)
    asked = shown(post.args)
    assert "<@ULEAD>" in asked and "<@UEXT1>" in asked
    assert "UOTHERBOT" not in asked and "<@UBOT>" not in asked
    assert {m.user_id for m in members(app)}.isdisjoint({"UOTHERBOT", "UBOT"})
