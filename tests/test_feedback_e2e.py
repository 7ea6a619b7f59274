"""Feedback both ways, end to end: cycles ask both companies, answers in either mode of anonymity,
the report (averages, trend, gap, points, silence), repeats, and feedback turned into actions."""

import json
import re
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Action, FeedbackCycle, FeedbackResponse
from tests.harness.app_server import AppServer
from tests.harness.flows import count, feedback_values, give_feedback, said, set_feedback_cycle, set_up_partnership
from tests.harness.slack_driver import shown, text
from tests.harness.waiting import eventually

UTC = timezone.utc
CYCLE_1 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # the Monday after setup, 10:00 London (UTC in winter)
CYCLE_2 = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
CYCLE_3 = datetime(2026, 12, 28, 10, 0, tzinfo=UTC)
CYCLE_4 = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)


@pytest.fixture
def partnership(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    return "C_PARTNER"


def at(clock, app, moment):
    clock.set(moment)
    app.scheduler.tick()


def reports(fake):
    return [
        c.args for c in fake.calls_to("chat.postMessage") if re.fullmatch(r"Feedback cycle \d+ report", c.args["text"])
    ]


def report_text(report) -> str:
    return "\n".join(b["text"]["text"] for b in report["blocks"] if b["type"] == "section")


def test_a_cycle_asks_both_companies_and_reports_both_directions(partnership, clock, slack, fake, app):
    at(clock, app, CYCLE_1)
    posts = fake.calls_to("chat.postMessage")
    dms = sorted(c.args["channel"] for c in posts if c.args["channel"].startswith("U"))
    assert dms == ["UHOME2", "UHOME3", "ULEAD"]  # the installing org, by DM
    [asked] = [c.args for c in posts if c.args["channel"] == "C_PARTNER"]
    assert asked["text"].startswith("<@UEXT1> <@UEXT2> <@UEXT3> Feedback cycle 1")  # the other org, in the channel
    assert shown(asked).startswith("<@UEXT1> <@UEXT2> <@UEXT3>\n")  # the mentions show in the message
    button = next(b for b in asked["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == "feedback_give"

    # From the DM's button: the form asks about the other company.
    dm_button = next(c.args for c in posts if c.args["channel"] == "ULEAD")["blocks"][1]["elements"][0]
    slack.click("feedback_give", value=dm_button["value"], channel="DULEAD")
    modal = slack.next_modal()
    labels = [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"]
    assert labels[:4] == [
        "Quality of Globex (1-5)",
        "Communication of Globex (1-5)",
        "Responsiveness of Globex (1-5)",
        "Proactivity of Globex (1-5)",
    ]
    assert labels[-1] == "Would you recommend working with Globex? (0-10)"
    missing = feedback_values()
    del missing["quality"]
    errors = slack.submit_view(modal, missing).json["errors"]
    assert errors == {"quality": "Choose one."}

    give_feedback(
        slack,
        fake,
        app,
        user="ULEAD",
        team="T_HOME",
        quality=4,
        communication=4,
        responsiveness=4,
        proactivity=4,
        recommend=8,
        working="Fast onboarding",
        change="Send the weekly report on time",
    )
    give_feedback(
        slack,
        fake,
        app,
        user="UHOME2",
        team="T_HOME",
        quality=2,
        communication=4,
        responsiveness=4,
        proactivity=4,
        recommend=6,
    )
    give_feedback(
        slack,
        fake,
        app,
        user="UEXT1",
        team="T_EXT",
        quality=5,
        communication=5,
        responsiveness=5,
        proactivity=5,
        recommend=10,
        self_change="Ask <!channel> for less",
    )
    # A second answer from the same person replaces the first.
    give_feedback(
        slack,
        fake,
        app,
        user="UHOME2",
        team="T_HOME",
        quality=2,
        communication=2,
        responsiveness=4,
        proactivity=4,
        recommend=6,
    )
    assert count(app, FeedbackResponse) == 3

    fake.reset()
    at(clock, app, CYCLE_2)
    [report] = reports(fake)
    body = report_text(report)
    assert (
        "*Acme → Globex* (client about vendor), 2 answer(s): quality 3.0 · communication 3.0 · "
        "responsiveness 4.0 · proactivity 4.0\nOverall *3.5*/5 · would recommend 7.0/10" in body
    )
    assert "*Globex → Acme* (vendor about client), 1 answer(s)" in body and "Overall *5.0*/5" in body
    assert "*Perception gap*: Acme rates the partnership 3.5, Globex 5.0 — a gap of 1.5." in body
    assert "• (client) Fast onboarding — <@ULEAD>" in body
    assert "• (vendor) Ask &lt;!channel&gt; for less — <@UEXT1>" in body
    assert sum(1 for b in report["blocks"] if b.get("accessory", {}).get("action_id") == "feedback_point_action") == 3
    assert '"feedback_give"' in json.dumps([c.args for c in fake.calls_to("chat.postMessage")])  # cycle 2 asks
    again = slack.command("feedback report").json
    assert "Feedback cycle 1 report" in again["text"]
    status = json.dumps(slack.command("status").json["blocks"], ensure_ascii=False)
    assert "Feedback (cycle 1): client → vendor 3.5/5 · vendor → client 5.0/5" in status


def test_anonymous_cycles_hide_names_and_small_groups(partnership, clock, slack, fake, app):
    set_feedback_cycle(slack, fake, app, "2", "anonymous")
    at(clock, app, CYCLE_1)
    for user in ("ULEAD", "UHOME2"):
        give_feedback(slack, fake, app, user=user, team="T_HOME", quality=3, change=f"Point from {user}")
    for user in ("UEXT1", "UEXT2", "UEXT3"):
        give_feedback(slack, fake, app, user=user, team="T_EXT", quality=4, working="Clear goals")
    with app.runtime.db.session() as session:
        stored = list(session.scalars(select(FeedbackResponse)))
        assert len(stored) == 5 and {(r.giver_user, r.giver_team) for r in stored} == {(None, None)}
    fake.reset()
    at(clock, app, CYCLE_2)
    body = report_text(reports(fake)[0])
    assert "*Acme → Globex* (client about vendor): 2 answer(s) — scores stay hidden until at least 3 people" in body
    assert "*Globex → Acme* (vendor about client), 3 answer(s): quality 4.0" in body
    assert "Perception gap" not in body  # one side's view is hidden
    assert "Point from ULEAD" in body and "<@" not in body  # text without names


def test_silence_is_called_out_and_two_silent_cycles_alert_the_sponsors(partnership, clock, slack, fake, app):
    # each answer is awaited: a role given after the ack must be stored before the cycles run
    assert "is now a sponsor" in said(slack, "role <@UHOME3> sponsor")
    assert "is now a sponsor" in said(slack, "role <@UEXT3> sponsor")
    at(clock, app, CYCLE_1)
    give_feedback(slack, fake, app, user="ULEAD", team="T_HOME")
    give_feedback(slack, fake, app, user="UEXT1", team="T_EXT")
    at(clock, app, CYCLE_2)
    give_feedback(slack, fake, app, user="ULEAD", team="T_HOME")
    fake.reset()
    at(clock, app, CYCLE_3)
    body = report_text(reports(fake)[0])
    assert (
        "*Globex → Acme* (vendor about client): :zipper_mouth_face: no feedback this cycle — silence might "
        "mean disengagement, not perfection." in body
    )
    assert not [c for c in fake.calls_to("chat.postMessage") if ":mute:" in c.args["text"]]
    give_feedback(slack, fake, app, user="UHOME2", team="T_HOME")
    fake.reset()
    at(clock, app, CYCLE_4)
    [alert] = [c.args for c in fake.calls_to("chat.postMessage") if ":mute:" in c.args["text"]]
    assert alert["text"].startswith(":mute: <@UHOME3> <@UEXT3>: Globex (vendor) gave no feedback two cycles in a row")
    with app.runtime.db.session() as session:
        latest = session.scalar(
            select(FeedbackCycle).order_by(FeedbackCycle.closes_at.desc()).where(FeedbackCycle.status == "closed")
        )
        assert alert["thread_ts"] == latest.report_ts and latest.number == 3


def test_a_point_raised_again_is_marked_and_told_to_the_leads(partnership, clock, slack, fake, app):
    slack.command("role <@UEXT1> lead")
    at(clock, app, CYCLE_1)
    give_feedback(slack, fake, app, user="ULEAD", team="T_HOME", change="Please send the weekly report on time")
    at(clock, app, CYCLE_2)
    give_feedback(slack, fake, app, user="UHOME2", team="T_HOME", change="Weekly reports should arrive on time")
    fake.reset()
    at(clock, app, CYCLE_3)
    assert "raised again (2nd time)" in report_text(reports(fake)[0])
    give_feedback(slack, fake, app, user="ULEAD", team="T_HOME", change="Please send the weekly reports on time")
    give_feedback(slack, fake, app, user="UEXT2", team="T_EXT", change="Invoices should be sent on time")
    fake.reset()
    at(clock, app, CYCLE_4)
    body = report_text(reports(fake)[0])
    assert "Please send the weekly reports on time — <@ULEAD> :repeat: _raised again (3rd time)_" in body
    assert "Invoices should be sent on time — <@UEXT2>\n" in body + "\n"  # a different point: not a repeat
    told = [
        c.args
        for c in fake.calls_to("chat.postMessage")
        if c.args["text"].startswith(":repeat:") or "Raised again" in c.args["text"]
    ]
    assert [t["channel"] for t in told] == ["ULEAD", "C_PARTNER"]  # home lead by DM, the other org's in the thread
    assert told[1]["text"].startswith("<@UEXT1> :repeat: Raised again (3rd time)")


def test_a_lead_turns_a_point_into_an_action_that_lands(partnership, clock, slack, fake, app):
    at(clock, app, CYCLE_1)
    give_feedback(slack, fake, app, user="UEXT1", team="T_EXT", change="Share the roadmap earlier")
    fake.reset()
    at(clock, app, CYCLE_2)
    [report] = reports(fake)
    point = next(b["accessory"]["value"] for b in report["blocks"] if "roadmap" in b["text"]["text"])
    slack.click("feedback_point_action", value=point, user="UHOME2")
    assert "Only leads can turn feedback into actions" in fake.next("response_url")["text"]
    slack.click("feedback_point_action", value=point)
    modal = slack.next_modal()
    assert modal["blocks"][0]["element"]["initial_value"] == "Share the roadmap earlier"
    values = {
        "title": text("Send the Q1 roadmap two weeks ahead"),
        "owner": {"type": "users_select", "selected_user": "UEXT1"},
        "due_date": {"type": "datepicker", "selected_date": "2026-12-10"},
    }
    assert "due_date" in slack.submit_view(modal, values).json["errors"]  # already past
    values["due_date"] = {"type": "datepicker", "selected_date": "2026-12-20"}
    slack.submit_view(modal, values)
    eventually(lambda: count(app, Action) == 1, what="action created")
    with app.runtime.db.session() as session:
        action = session.scalar(select(Action))
        assert (action.owner_user, action.source, action.due_date.isoformat()) == ("UEXT1", "feedback", "2026-12-20")
    assert "Send the Q1 roadmap two weeks ahead — <@UEXT1>, due 2026-12-20" in slack.command("actions").shown

    fake.reset()
    at(clock, app, datetime(2026, 12, 21, 8, 59, tzinfo=UTC))
    assert not [c for c in fake.calls_to("chat.postMessage") if "overdue" in c.args["text"]]
    at(clock, app, datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    [overdue] = [c.args for c in fake.calls_to("chat.postMessage") if "overdue" in c.args["text"]]
    assert overdue["channel"] == "C_PARTNER" and overdue["text"].startswith("<@UEXT1> :hourglass: Action 1")

    fake.reset()
    at(clock, app, CYCLE_3)
    assert (
        "*Open actions*\n1. Send the Q1 roadmap two weeks ahead — <@UEXT1>, 14 days old :red_circle: overdue"
        in report_text(reports(fake)[0])
    )
    assert "Action 1 is done" in slack.command("action done 1").text
    fake.reset()
    at(clock, app, CYCLE_4)
    assert "Open actions" not in report_text(reports(fake)[0])


def test_two_schedulers_ask_and_report_once(partnership, clock, slack, fake, app, db_url):
    replica = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    try:
        for moment in (CYCLE_1, CYCLE_2):
            clock.set(moment)
            threads = [threading.Thread(target=s.tick) for s in (app.scheduler, replica.scheduler) for _ in range(3)]
            [t.start() for t in threads]
            [t.join() for t in threads]
            if moment == CYCLE_1:
                give_feedback(slack, fake, app, user="UEXT1", team="T_EXT")
        asks = [
            c.args["channel"]
            for c in fake.calls_to("chat.postMessage")
            if '"feedback_give"' in json.dumps(c.args.get("blocks"))
        ]
        assert sorted(asks) == sorted(["UHOME2", "UHOME3", "ULEAD", "C_PARTNER"] * 2)  # cycles 1 and 2
        assert len(reports(fake)) == 1
    finally:
        replica.stop()


def test_feedback_before_the_first_cycle_asks_counts_in_that_cycle(partnership, clock, slack, fake, app):
    give_feedback(slack, fake, app, user="UEXT1", team="T_EXT", quality=5, working="Quick start")
    give_feedback(slack, fake, app, user="UEXT2", team="T_EXT", quality=4)
    with app.runtime.db.session() as session:
        cycles = list(session.scalars(select(FeedbackCycle)))
        assert [(c.number, c.opens_at) for c in cycles] == [(1, CYCLE_1)]
    at(clock, app, CYCLE_1)  # the early cycle still asks at its time, once
    assert len([c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_PARTNER"]) == 1
    fake.reset()
    at(clock, app, CYCLE_2)
    assert "*Globex → Acme* (vendor about client), 2 answer(s)" in report_text(reports(fake)[0])
    set_feedback_cycle(slack, fake, app, "0")
    fake.reset()
    at(clock, app, CYCLE_3)  # cycles off: cycle 2 still reports, nothing new opens
    slack.click("card_give_feedback", value="C_PARTNER", user="UEXT1", team="T_EXT")
    assert "No feedback cycle is running" in fake.next("response_url")["text"]


def test_a_hidden_score_never_leaks_through_a_trend_and_answers_are_unlinked_at_close(
    partnership, clock, slack, fake, app
):
    set_feedback_cycle(slack, fake, app, "2", "anonymous")
    at(clock, app, CYCLE_1)
    give_feedback(
        slack, fake, app, user="UEXT1", team="T_EXT", quality=1, communication=1, responsiveness=1, proactivity=1
    )  # alone: hidden
    at(clock, app, CYCLE_2)
    for user in ("UEXT1", "UEXT2", "UEXT3"):
        give_feedback(slack, fake, app, user=user, team="T_EXT")
    fake.reset()
    at(clock, app, CYCLE_3)
    body = report_text(reports(fake)[0])
    assert "Overall *4.0*/5 · would recommend" in body and "since last cycle" not in body
    with app.runtime.db.session() as session:
        from bot.feedback.service import giver_key
        from bot.models import Member

        cycle = session.scalar(select(FeedbackCycle).where(FeedbackCycle.number == 2))
        keys = {r.giver_key for r in cycle.responses}
        people = session.scalars(select(Member).where(Member.team_id == "T_EXT"))
        secret = app.runtime.settings.answer_key_secret()
        assert not keys & {giver_key(secret, cycle, m) for m in people}  # nobody can be matched now


def test_cycles_open_at_ten_local_across_a_dst_change(clock, slack, fake, app):
    clock.set(datetime(2026, 2, 26, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app, timezone=text("America/New_York"))
    for opens in (
        datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        datetime(2026, 3, 16, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 14, 0, tzinfo=UTC),
    ):  # 10:00 EST, then 10:00 EDT
        at(clock, app, opens)
    with app.runtime.db.session() as session:
        opened = [c.opens_at for c in session.scalars(select(FeedbackCycle).order_by(FeedbackCycle.opens_at))]
    assert opened == [
        datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        datetime(2026, 3, 16, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 14, 0, tzinfo=UTC),
    ]
