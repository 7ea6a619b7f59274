"""Escalations end to end: raising from either company, every move and its guard, the audit trail,
targets in wall-clock and business time, reminders and breaches once, recurrence, the list."""

import json
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Action, Escalation, EscalationUpdate
from tests.harness.app_server import AppServer
from tests.harness.flows import count, escalation_values, raise_escalation, reply, set_up_partnership
from tests.harness.slack_driver import select as chosen
from tests.harness.slack_driver import text
from tests.harness.waiting import eventually

UTC = timezone.utc
META = json.dumps({"channel_id": "C_PARTNER"})


@pytest.fixture
def friday(clock):
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # Friday; London is on UTC in November
    return clock


def escalation(app, number=1) -> Escalation:
    with app.runtime.db.session() as session:
        found = session.scalar(select(Escalation).where(Escalation.number == number))
        _ = found.transitions
        return found


def button_values(post) -> dict[str, str]:
    actions = next(b for b in post["blocks"] if b["type"] == "actions")
    return {e["action_id"]: e["value"] for e in actions["elements"]}


def test_raise_from_commands_and_from_the_card_by_the_other_org(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    response = slack.command("Missed SLA on tier-2", command="/escalate")
    assert response.status == 200
    modal = slack.next_modal()
    assert modal["blocks"][0]["element"]["initial_value"] == "Missed SLA on tier-2"
    slack.command("escalate")
    assert "initial_value" not in slack.next_modal()["blocks"][0]["element"]
    assert "not a partnership yet" in slack.command("", command="/escalate", channel="C_OTHER").text

    slack.click("card_raise_escalation", value="C_PARTNER", user="UEXT1", team="T_EXT")
    assert slack.next_modal()["callback_id"] == "escalation_raise"
    raise_escalation(
        slack,
        fake,
        app,
        user="UEXT1",
        team="T_EXT",
        title=text("Agents lack <!channel> access"),
        severity=chosen("P1"),
        category=chosen("staffing"),
    )
    post = fake.next("chat.postMessage")
    rendered = json.dumps(post["blocks"], ensure_ascii=False)
    assert "#1 · P1 critical · Staffing" in rendered and "Agents lack &lt;!channel&gt; access" in rendered
    assert "Raised by <@UEXT1> (vendor)" in rendered
    assert list(button_values(post)) == [
        "esc_acknowledge",
        "esc_assign",
        "esc_update",
        "esc_resolve",
        "esc_duplicate",
        "esc_refer",
    ]
    told = fake.calls_to("chat.postEphemeral")[0].args
    assert (told["user"], told["channel"]) == ("UEXT1", "C_PARTNER") and "#1 is raised" in told["text"]
    raised = escalation(app)
    assert (raised.state, raised.raised_by_team, raised.severity) == ("open", "T_EXT", "P1")
    assert raised.ack_due_at == datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
    assert raised.resolve_due_at == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    assert [(t.from_state, t.to_state, t.user_id) for t in raised.transitions] == [(None, "open", "UEXT1")]


def test_the_modal_refuses_missing_and_overlong_fields(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    values = escalation_values(title=text("x" * 151), description=text("  "))
    values["severity"] = {"type": "static_select", "selected_option": None}
    errors = slack.submit("escalation_raise", values, private_metadata=META).json["errors"]
    assert set(errors) == {"title", "description", "severity"}
    assert "150" in errors["title"]
    assert count(app, Escalation) == 0 and fake.calls_to("chat.postMessage") == []


def raised_by_vendor_and_assigned(friday, slack, fake, app) -> str:
    """Escalation #1 raised by UEXT1 (vendor), acknowledged by the lead 20 minutes later, then given to UEXT2 by
    its raiser; returns its id as the buttons carry it."""
    set_up_partnership(slack, fake, app)
    raise_escalation(slack, fake, app, user="UEXT1", team="T_EXT")  # raiser: vendor side
    esc_id = button_values(fake.next("chat.postMessage"))["esc_acknowledge"]
    friday.advance(minutes=20)
    slack.click("esc_acknowledge", value=esc_id)  # ULEAD, a lead
    eventually(lambda: escalation(app).state == "acknowledged", what="acknowledged")
    slack.click("esc_assign", value=esc_id, user="UEXT1", team="T_EXT")  # the raiser assigns
    slack.submit_view(
        slack.next_modal(), {"owner": "UEXT2", "note": "Ravi's team handles tier 2"}, user="UEXT1", team="T_EXT"
    )
    eventually(lambda: escalation(app).state == "in_progress", what="assigned")
    return esc_id


def test_only_leads_the_owner_or_the_raiser_move_it_and_each_move_shows_on_its_message(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    raise_escalation(slack, fake, app, user="UEXT1", team="T_EXT")  # raiser: vendor side
    esc_id = button_values(fake.next("chat.postMessage"))["esc_acknowledge"]

    slack.click("esc_acknowledge", value=esc_id, user="UHOME2")  # a member: not a lead, the owner or the raiser
    refusal = fake.next("response_url")
    assert refusal["response_type"] == "ephemeral"
    assert "Only leads, the owner or the person who raised it can move escalation #1" in refusal["text"]
    assert escalation(app).state == "open" and fake.calls_to("chat.update") == []

    friday.advance(minutes=20)
    slack.click("esc_acknowledge", value=esc_id)  # ULEAD, a lead
    eventually(lambda: escalation(app).state == "acknowledged", what="acknowledged")
    update = fake.next("chat.update")
    assert "State: *Acknowledged*" in json.dumps(update["blocks"])
    assert "esc_acknowledge" not in button_values(update)
    thread = fake.next("chat.postMessage")
    assert thread["text"] == "<@ULEAD> moved #1 to *acknowledged*" and thread["thread_ts"] == update["ts"]
    assert escalation(app).acknowledged_at == datetime(2026, 11, 27, 15, 20, tzinfo=UTC)

    slack.click("esc_assign", value=esc_id, user="UEXT1", team="T_EXT")  # the raiser assigns
    slack.submit_view(
        slack.next_modal(), {"owner": "UEXT2", "note": "Ravi's team handles tier 2"}, user="UEXT1", team="T_EXT"
    )
    eventually(lambda: escalation(app).state == "in_progress", what="assigned")
    assert (escalation(app).owner_user, escalation(app).owner_team) == ("UEXT2", "T_EXT")
    assert escalation(app).transitions[-1].note == "Ravi's team handles tier 2"


def test_thread_replies_and_add_update_are_its_timeline(friday, slack, fake, app):
    esc_id = raised_by_vendor_and_assigned(friday, slack, fake, app)
    ts = fake.calls_to("chat.update")[0].args["ts"]
    reply(slack, "Two more agents on tier 2 from tomorrow", thread_ts=ts, ts="1800000009.000001", user="UEXT2",
          team="T_EXT")  # fmt: skip
    slack.click("esc_update", value=esc_id, user="UHOME2")
    slack.submit_view(slack.next_modal(), {"text": "Customer calmed down"}, user="UHOME2")
    eventually(lambda: count(app, EscalationUpdate) == 2, what="updates recorded")


def test_resolving_needs_the_root_cause_and_closing_is_for_leads_or_the_raiser(friday, slack, fake, app):
    esc_id = raised_by_vendor_and_assigned(friday, slack, fake, app)
    slack.click("esc_resolve", value=esc_id, user="UEXT2", team="T_EXT")  # the owner resolves
    modal = slack.next_modal()
    empty = {"root_cause_category": "", "root_cause": "", "corrective_action": " "}
    missing = slack.submit_view(modal, empty, user="UEXT2", team="T_EXT").json["errors"]
    assert set(missing) == {"root_cause_category", "root_cause", "corrective_action"}
    assert escalation(app).state == "in_progress"
    fix = {
        "root_cause_category": "capacity",
        "root_cause": "Two agents left",
        "corrective_action": "Hire and cross-train",
    }
    slack.submit_view(modal, fix, user="UEXT2", team="T_EXT")
    eventually(lambda: escalation(app).state == "resolved", what="resolved")
    assert (escalation(app).root_cause_category, escalation(app).corrective_action) == (
        "capacity",
        "Hire and cross-train",
    )

    # The owner alone may not close (closing confirms the fix); the raiser may; a lead may reopen.
    slack.click("esc_close", value=esc_id, user="UEXT2", team="T_EXT")
    assert (
        "Only leads or the person who raised it can move escalation #1 to closed" in fake.next("response_url")["text"]
    )
    slack.click("esc_close", value=esc_id, user="UEXT1", team="T_EXT")
    eventually(lambda: escalation(app).state == "closed", what="closed")
    slack.click("esc_reopen", value=esc_id)
    eventually(lambda: escalation(app).state == "open", what="reopened")

    trail = [(t.from_state, t.to_state, t.user_id) for t in escalation(app).transitions]
    assert trail == [
        (None, "open", "UEXT1"),
        ("open", "acknowledged", "ULEAD"),
        ("acknowledged", "in_progress", "UEXT1"),
        ("in_progress", "resolved", "UEXT2"),
        ("resolved", "closed", "UEXT1"),
        ("closed", "open", "ULEAD"),
    ]
    assert escalation(app).resolved_at is None  # reopened


def test_an_escalation_marked_duplicate_of_another(friday, slack, fake, app):
    raised_by_vendor_and_assigned(friday, slack, fake, app)
    raise_escalation(slack, fake, app, title=text("Same as #1"))
    slack.click("esc_duplicate", value=str(escalation(app, 2).id))
    modal = slack.next_modal()
    assert slack.submit_view(modal, {"duplicate_of": "#9"}).json["errors"] == {
        "duplicate_of": "There is no escalation #9 here."
    }
    slack.submit_view(modal, {"duplicate_of": "#1"})
    eventually(lambda: escalation(app, 2).state == "duplicate", what="duplicate")
    assert escalation(app, 2).transitions[-1].note == "duplicate of #1"


def test_p1_ack_reminder_and_breach_go_out_once_with_two_schedulers(friday, slack, fake, app, db_url):
    set_up_partnership(slack, fake, app)
    slack.command("role <@UHOME3> sponsor")
    slack.command("role <@UEXT3> sponsor")
    raise_escalation(slack, fake, app, user="UEXT1", team="T_EXT", severity=chosen("P1"))
    fake.reset()
    replica = AppServer(database_url=db_url, api_url=fake.api_url, clock=friday).start()

    def tick_both():
        threads = [threading.Thread(target=s.tick) for s in (app.scheduler, replica.scheduler) for _ in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]

    try:
        friday.set(datetime(2026, 11, 27, 15, 22, tzinfo=UTC))
        tick_both()
        assert fake.calls_to("chat.postMessage") == []
        friday.set(datetime(2026, 11, 27, 15, 22, 30, tzinfo=UTC))  # 75% of 30 min
        tick_both()
        reminders = fake.calls_to("chat.postMessage")
        assert [c.args["channel"] for c in reminders] == ["ULEAD"]  # no owner yet: the leads
        assert "must be acknowledged by" in reminders[0].args["text"]

        friday.set(datetime(2026, 11, 27, 15, 30, tzinfo=UTC))
        tick_both()
        tick_both()
        posts = fake.calls_to("chat.postMessage")[1:]
        assert len(posts) == 2
        thread = next(c.args for c in posts if c.args["channel"] == "C_PARTNER")
        assert thread["thread_ts"] and "missed its acknowledge target" in thread["text"]
        assert "<@UHOME3>" in thread["text"] and "<@UEXT3>" in thread["text"]
        governance = next(c.args for c in posts if c.args["channel"] == "C_GOV")
        assert "P1 critical escalation #1" in governance["text"] and "<#C_PARTNER>" in governance["text"]
        assert "missed" in json.dumps(fake.next("chat.update")["blocks"])
        assert escalation(app).ack_breached_at == datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
        # The resolve target is another matter: acknowledging now stops nothing already sent.
        assert "ack missed" in slack.command("escalations").shown
    finally:
        replica.stop()


def test_p3_resolve_target_spans_a_weekend_and_a_holiday(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    slack.command("holiday add 2026-11-30 Team day")
    raise_escalation(slack, fake, app, severity=chosen("P3"), category=chosen("process"))
    raised = escalation(app)
    # 1bd: Fri 15:00-24:00 (9 h), Mon is a holiday, then 15 h on Tuesday.
    assert raised.ack_due_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    # 5bd: 9 h Friday + Tue, Wed, Thu, Fri (96 h) + 15 h on Monday 7 Dec.
    assert raised.resolve_due_at == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    slack.click("esc_acknowledge", value=str(raised.id))
    eventually(lambda: escalation(app).state == "acknowledged", what="acknowledged")
    fake.reset()
    friday.set(datetime(2026, 12, 7, 14, 59, tzinfo=UTC))
    app.scheduler.tick()
    assert [c for c in fake.calls_to("chat.postMessage") if "missed" in c.args["text"]] == []
    friday.set(datetime(2026, 12, 7, 15, 0, tzinfo=UTC))
    app.scheduler.tick()
    breach = [c.args for c in fake.calls_to("chat.postMessage") if "missed its resolve target" in c.args["text"]]
    assert len(breach) == 2  # the thread, and the governance channel
    assert "No sponsors are set" in breach[0]["text"]


def test_the_third_escalation_of_a_category_in_60_days_is_a_recurring_issue(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    raise_escalation(slack, fake, app, category=chosen("quality"))
    friday.advance(days=20)
    raise_escalation(slack, fake, app, category=chosen("billing"))
    raise_escalation(slack, fake, app, category=chosen("quality"))
    assert count(app, Action) == 0
    friday.advance(days=39)  # the first is now 59 days old
    raise_escalation(slack, fake, app, category=chosen("quality"))
    notice = eventually(
        lambda: [c.args for c in fake.calls_to("chat.postMessage") if "Recurring issue" in c.args["text"]],
        what="recurrence notice",
    )[0]
    assert "3 quality escalations in 60 days (#1, #3, #4)" in notice["text"] and "<@ULEAD>" in notice["text"]
    with app.runtime.db.session() as session:
        [action] = session.scalars(select(Action))
        assert action.owner_user is None and action.source == "recurrence"
        assert action.title.startswith("Root-cause correction plan for recurring quality escalations")
    raise_escalation(slack, fake, app, category=chosen("quality"))  # a fourth: already asked for
    assert count(app, Action) == 1
    listing = slack.command("actions").shown
    assert "\n*1.* Root-cause correction plan" in listing and "the leads" in listing
    assert "Only the action's owner or a lead" in slack.command("action done 1", user="UHOME2").text
    assert "There is no action 7" in slack.command("action done 7").text
    assert "Action 1 is done" in slack.command("action done 1").text
    assert "No open actions" in slack.command("actions").text


def test_the_list_filters_and_the_status_metrics(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    raise_escalation(slack, fake, app, severity=chosen("P1"), title=text("Outage"))
    raise_escalation(slack, fake, app, severity=chosen("P4"), title=text("Typo in invoice"))
    first = escalation(app)
    friday.advance(minutes=12)
    slack.click("esc_acknowledge", value=str(first.id))
    eventually(lambda: escalation(app).state == "acknowledged", what="acknowledged")
    slack.click("esc_resolve", value=str(first.id))
    modal = slack.next_modal()
    friday.advance(minutes=48)
    slack.submit_view(
        modal, {"root_cause_category": "tooling", "root_cause": "Expired cert", "corrective_action": "Monitor expiry"}
    )
    eventually(lambda: escalation(app).state == "resolved", what="resolved")

    def listed(words):
        return "\n".join(b["text"]["text"] for b in slack.command(words).json["blocks"][1:])

    assert "#2" in listed("escalations") and "#1" not in listed("escalations")
    everything = listed("escalations all")
    assert everything.index("#2") < everything.index("#1")  # newest first
    assert "#1" in listed("escalations all p1") and "#2" not in listed("escalations P1 all")
    assert "No open P1 escalations" in slack.command("escalations P1").text
    assert "'urgent' is not a filter" in slack.command("escalations urgent").text
    friday.advance(days=30)
    app.scheduler.tick()  # the P4's targets pass unmet: both are recorded as missed
    status = "\n".join(b["text"]["text"] for b in slack.command("status").json["blocks"] if b["type"] == "section")
    assert "Open escalations: P1 0 · P2 0 · P3 0 · P4 1 (1 overdue :red_circle:)" in status
    assert "P1 12 min / 1 h 00 min" in status
    assert "Last 90 days: 2 raised (timeliness / sla 2); 2 target(s) missed" in status
