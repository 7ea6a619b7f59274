"""Rhythms end to end: a check-in goes out on time, is answered in its thread and by modal, nudges the
missing, and closes with a summary — through signed HTTP, the fake Web API and a clock moved by hand."""

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Answer, Blocker, Rhythm
from tests.harness.flows import add_rhythm, checkin_posts, checkins, count, reply, set_up_partnership
from tests.harness.slack_driver import checks, shown, text, users
from tests.harness.slack_driver import select as chosen
from tests.harness.waiting import eventually

UTC = timezone.utc


@pytest.fixture
def sunday(clock):
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # London is on UTC in November
    return clock


@pytest.fixture
def weekly(sunday, slack, fake, app):
    """A partnership with a weekly Monday 09:00 rhythm asking both sides, 24 h window, nudge after 20 h."""
    set_up_partnership(slack, fake, app)
    return add_rhythm(slack, fake, app)


def test_rhythm_add_list_and_the_modal_errors(sunday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    slack.command("rhythm add")
    modal = slack.next_modal()
    questions = next(b for b in modal["blocks"] if b["block_id"] == "questions")["element"]["initial_value"]
    assert questions.splitlines() == [
        "What moved since last time?",
        "What's next?",
        "Any risks or blockers?",
        "Anything you need from the other side?",
    ]
    bad = {
        "name": text(""),
        "cadence": chosen("weekly"),
        "weekdays": checks(["6"]),
        "audience": chosen("people"),
        "local_time": {"type": "timepicker", "selected_time": "09:00"},
        "questions": text("Q?"),
        "window_hours": text("4"),
        "nudge_after_hours": text("5"),
    }
    errors = slack.submit_view(modal, bad).json["errors"]
    assert set(errors) == {"name"}  # field errors come first
    bad["name"] = text("Ops")
    errors = slack.submit_view(modal, bad).json["errors"]
    assert errors == {"people": "Choose the people to ask."}
    bad["audience"] = chosen("both")
    errors = slack.submit_view(modal, bad).json["errors"]
    assert errors == {"nudge_after_hours": "The nudge must come before the window closes."}
    bad["nudge_after_hours"] = text("2")
    errors = slack.submit_view(modal, bad).json["errors"]
    assert errors == {"weekdays": "None of the chosen weekdays is a business day."}
    assert count(app, Rhythm) == 0

    fake.reset()
    add_rhythm(
        slack, fake, app, name=text("Daily <!here> standup"), cadence=chosen("business_days"), weekdays=checks([])
    )
    listing = slack.command("rhythm list").shown
    assert listing.splitlines()[0] == (
        "*1. Daily &lt;!here&gt; standup* — every business day at 09:00, asks both sides; "
        "next Mon 23 Nov 2026 09:00 Europe/London"
    )
    assert "not a lead" not in slack.command("rhythm", user="UHOME2").text  # anyone may list


def test_only_leads_manage_rhythms_and_bad_numbers_are_refused(weekly, slack, fake, app):
    for words in ("rhythm add", "rhythm pause 1", "rhythm run 1", "rhythm remove 1"):
        assert "Only leads can manage rhythms" in slack.command(words, user="UHOME2").text, words
    assert "There is no rhythm 7 here" in slack.command("rhythm pause 7").text
    assert "'x' is not a number" in slack.command("rhythm resume x").text
    assert "Say which rhythm" in slack.command("rhythm pause").text
    assert "`fly` is not a rhythm command" in slack.command("rhythm fly").text
    assert fake.calls_to("views.open") == [] and checkins(app) == []

    assert "paused" in slack.command("rhythm pause 1").text
    assert "already paused" in slack.command("rhythm pause 1").text
    assert "paused" in slack.command("rhythm list").shown
    resumed = slack.command("rhythm resume 1").text
    assert "resumed. Next: Mon 23 Nov 2026 09:00 Europe/London." in resumed
    assert "removed" in slack.command("rhythm remove 1").text
    assert "No rhythms yet" in slack.command("rhythm list").text


def test_a_check_in_goes_out_at_local_time_and_answers_are_recorded(weekly, sunday, slack, fake, app):
    sunday.set(datetime(2026, 11, 23, 8, 59, tzinfo=UTC))
    app.scheduler.tick()
    assert checkin_posts(fake) == []
    sunday.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    [post] = checkin_posts(fake)
    rendered = json.dumps(post.args["blocks"])
    for person in ("ULEAD", "UHOME2", "UHOME3", "UEXT1", "UEXT2", "UEXT3"):
        assert f"<@{person}>" in rendered
    assert "UBOT" not in rendered
    assert "1. What moved?" in rendered and "checkin_answer" in rendered
    [checkin] = checkins(app)
    thread = checkin.message_ts
    assert checkin.status == "sent" and len(checkin.expected) == 6

    sunday.set(datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    reply(slack, "Shipped the new IVR flow", thread_ts=thread, ts="1800000000.000001", user="UEXT1", team="T_EXT")
    reaction = fake.next("reactions.add")
    assert reaction == {"channel": "C_PARTNER", "timestamp": "1800000000.000001", "name": "white_check_mark"}
    # A bot's reply in the thread is not an answer.
    slack.event(
        {
            "type": "message",
            "channel": "C_PARTNER",
            "bot_id": "BOTHER",
            "user": "UEXT3",
            "text": "auto",
            "ts": "1800000000.000002",
            "thread_ts": thread,
        }
    )
    # An edit updates the recorded answer.
    slack.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C_PARTNER",
            "message": {
                "type": "message",
                "user": "UEXT1",
                "text": "Shipped the new IVR flow (all regions)",
                "ts": "1800000000.000001",
                "thread_ts": thread,
                "edited": {"ts": "1"},
            },
        }
    )

    def answers():
        with app.runtime.db.session() as session:
            return [
                (a.user_id, a.text, a.latency_seconds, a.late, a.edited_at is not None)
                for a in session.scalars(select(Answer))
            ]

    eventually(
        lambda: answers() == [("UEXT1", "Shipped the new IVR flow (all regions)", 5400, False, True)],
        what="answer recorded and edited",
    )
    assert len(fake.calls_to("reactions.add")) == 1

    # Delivered twice (Slack retries), still one answer.
    reply(slack, "Same", thread_ts=thread, ts="1800000000.000003", user="UHOME2", team="T_HOME", event_id="EvSame")
    reply(slack, "Same", thread_ts=thread, ts="1800000000.000003", user="UHOME2", team="T_HOME", event_id="EvSame")
    eventually(lambda: len(answers()) == 2, what="second answer")
    assert count(app, Answer) == 2


def test_nudges_reach_only_the_missing_and_the_summary_counts(weekly, sunday, slack, fake, app):
    slack.command("ooo 2026-11-23 2026-11-24", user="UHOME3")
    sunday.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    [checkin] = checkins(app)
    assert {p["user"] for p in checkin.expected} == {"ULEAD", "UHOME2", "UEXT1", "UEXT2", "UEXT3"}  # UHOME3 away
    sunday.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    reply(slack, "done", thread_ts=checkin.message_ts, ts="1800000001.000001", user="ULEAD", team="T_HOME")
    eventually(lambda: count(app, Answer) == 1, what="first answer")  # recorded at 09:30 before time moves on
    sunday.set(datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    reply(slack, "done", thread_ts=checkin.message_ts, ts="1800000001.000002", user="UEXT1", team="T_EXT")
    eventually(lambda: count(app, Answer) == 2, what="answers")
    fake.reset()

    sunday.set(datetime(2026, 11, 24, 4, 59, tzinfo=UTC))
    app.scheduler.tick()
    assert fake.calls_to("chat.postMessage") == []  # before the nudge point
    sunday.set(datetime(2026, 11, 24, 5, 0, tzinfo=UTC))
    app.scheduler.tick()
    posts = fake.calls_to("chat.postMessage")
    dms = [c.args["channel"] for c in posts if not c.args["channel"].startswith("C")]
    assert dms == ["UHOME2"]
    [thread_nudge] = [c.args for c in posts if c.args.get("thread_ts") == checkin.message_ts]
    assert "<@UEXT2> <@UEXT3>" in thread_nudge["text"] and "UEXT1" not in thread_nudge["text"]
    app.scheduler.tick()
    assert len(fake.calls_to("chat.postMessage")) == 2  # nothing nudged twice

    sunday.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    summary = fake.calls_to("chat.postMessage")[-1].args
    assert summary["thread_ts"] == checkin.message_ts
    body = shown(summary)
    assert "2 of 5 answered" in body
    assert "On time (2): <@ULEAD>, <@UEXT1>" in body
    missing = next(line for line in body.splitlines() if "Missing" in line)
    assert missing.startswith(":x: Missing (3): ")
    assert sorted(missing.removeprefix(":x: Missing (3): ").split(", ")) == ["<@UEXT2>", "<@UEXT3>", "<@UHOME2>"]
    assert "Out of office: <@UHOME3>" in body
    assert "Median response time: 1 h 00 min" in body  # 30 min and 90 min

    # A late answer is recorded as late, and the summary is corrected in place.
    sunday.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    reply(slack, "sorry, late", thread_ts=checkin.message_ts, ts="1800000001.000003", user="UEXT2", team="T_EXT")
    update = fake.next("chat.update")
    assert "Late (1): <@UEXT2>" in shown(update)
    assert "3 of 5 answered" in shown(update)
    status = json.dumps(slack.command("status").json["blocks"])
    assert "3 of 5 answered (60%), 2 on time" in status


def test_post_update_modal_from_the_other_org_records_answer_and_blocker(weekly, sunday, slack, fake, app):
    sunday.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    [checkin] = checkins(app)
    fake.reset()
    slack.click("card_post_update", value="C_PARTNER", user="UEXT2", team="T_EXT")
    modal = slack.next_modal()
    assert [b["label"]["text"] for b in modal["blocks"]] == ["What moved?", "Any risks or blockers?"]
    empty = slack.submit_view(modal, {"q0": "", "q1": ""}, user="UEXT2", team="T_EXT")
    assert empty.json["errors"] == {"q0": "Answer at least one question."}
    sunday.set(datetime(2026, 11, 23, 9, 45, tzinfo=UTC))
    slack.submit_view(
        modal, {"q0": "Hired 3 agents", "q1": "Waiting on <!channel> VPN access"}, user="UEXT2", team="T_EXT"
    )
    posted = fake.next("chat.postMessage")
    assert posted["thread_ts"] == checkin.message_ts
    assert posted["text"].startswith("Update from <@UEXT2>:") and "&lt;!channel&gt;" in posted["text"]
    eventually(lambda: count(app, Blocker) == 1, what="blocker stored")

    status = slack.command("status").json["blocks"]
    blocker = next(b for b in status if b.get("accessory", {}).get("action_id") == "blocker_clear")
    assert "Waiting on &lt;!channel&gt; VPN access" in blocker["text"]["text"]
    slack.click("blocker_clear", value=blocker["accessory"]["value"], user="UEXT1", team="T_EXT")
    assert "Cleared the blocker" in fake.next("response_url")["text"]
    assert "Open blockers" not in json.dumps(slack.command("status").json["blocks"])
    with app.runtime.db.session() as session:
        answer = session.scalar(select(Answer))
        assert (answer.user_id, answer.source, answer.latency_seconds) == ("UEXT2", "modal", 2700)
        assert session.scalar(select(Blocker)).cleared_by == "UEXT1"


def test_the_check_in_button_opens_the_form_for_that_check_in(weekly, sunday, slack, fake, app):
    sunday.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    [checkin] = checkins(app)
    button = next(b for b in checkin_posts(fake)[0].args["blocks"] if b["type"] == "actions")["elements"][0]
    slack.click(button["action_id"], value=button["value"], user="UEXT3", team="T_EXT")
    modal = slack.next_modal()
    assert json.loads(modal["private_metadata"]) == {"checkin_id": checkin.id}
    slack.submit_view(modal, {"q0": "All green", "q1": "none"}, user="UEXT3", team="T_EXT")
    eventually(lambda: count(app, Answer) == 1, what="answer stored")
    assert count(app, Blocker) == 0  # "none" under the blockers question is not a blocker


def test_a_blocker_reply_in_the_thread_shows_in_status(weekly, sunday, slack, fake, app):
    sunday.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    [checkin] = checkins(app)
    reply(
        slack,
        "Blocker: the QA sandbox is down",
        thread_ts=checkin.message_ts,
        ts="1800000002.000001",
        user="UEXT1",
        team="T_EXT",
    )
    eventually(lambda: count(app, Blocker) == 1, what="blocker stored")
    assert "the QA sandbox is down" in json.dumps(slack.command("status").json["blocks"])


def test_run_now_sends_at_once_for_named_people(sunday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    add_rhythm(slack, fake, app, audience=chosen("people"), people=users(["UEXT3", "UHOME2"]))
    assert "is being sent now" in slack.command("rhythm run 1").text
    post = eventually(lambda: checkin_posts(fake), what="check-in sent")[0]
    text_ = shown(post.args)
    assert "<@UHOME2>" in text_ and "<@UEXT3>" in text_ and "ULEAD" not in text_
    [checkin] = checkins(app)
    assert checkin.manual and checkin.scheduled_for == sunday.now()


def test_a_member_slack_cannot_describe_does_not_hold_up_the_check_in(weekly, sunday, slack, fake, app):
    fake.channel_members["C_PARTNER"] = ["ULEAD", "UEXT1", "UGHOST"]  # UGHOST: users.info says user_not_found
    sunday.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    [post] = checkin_posts(fake)
    assert "<@ULEAD>" in json.dumps(post.args["blocks"]) and "UGHOST" not in json.dumps(post.args["blocks"])
