"""Decisions end to end, from both companies: decided by silence, objected to (then amended, referred,
escalated), needing agreement (reminded halfway, expired), every privileged move refused with nothing changed."""

import json
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Decision, DecisionMove, Partnership, ScheduledSend
from tests.harness.app_server import AppServer
from tests.harness.flows import count, said, set_up_partnership
from tests.harness.slack_driver import shown
from tests.harness.transactions import slack_calls_while_writing
from tests.harness.waiting import eventually

UTC = timezone.utc


@pytest.fixture
def friday(clock):
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # Friday; London is on UTC in November
    return clock


def decision(app, number=1) -> Decision:
    with app.runtime.db.session() as session:
        found = session.scalar(select(Decision).where(Decision.number == number))
        _ = found.moves
        return found


def trail(app, number=1) -> list[tuple]:
    return [(m.event, m.from_state, m.to_state, m.user_id) for m in decision(app, number).moves]


def in_thread(fake, post) -> list[dict]:
    """What the bot said in a decision's thread (other areas, e.g. feedback cycles, also speak meanwhile)."""
    return [c.args for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == post["ts"]]


def buttons(message) -> list[str]:
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    return [e["action_id"] for e in actions[0]["elements"]] if actions else []


def share(
    slack,
    fake,
    app,
    *,
    user="ULEAD",
    team="T_HOME",
    what="Move weekend cover to Manila",
    scope="within",
    window="2",
    via_card=False,
):
    """Share through the command (or the card's button, as the other company does) and its modal."""
    before = count(app, Decision)
    if via_card:
        slack.click("card_share_decision", value="C_PARTNER", user=user, team=team)
    else:
        slack.command(f"decision {what}", user=user, team=team)
    modal = slack.next_modal()
    response = slack.submit_view(
        modal,
        {"what": what, "why": "Cheaper and better coverage", "scope": scope, "window_days": window},
        user=user,
        team=team,
    )
    assert response.status == 200 and response.body == "", response.body
    eventually(lambda: count(app, Decision, Decision.message_ts.is_not(None)) == before + 1, what="decision posted")
    post = fake.next("chat.postMessage")
    with app.runtime.db.session() as session:
        post["ts"] = session.scalar(select(Decision.message_ts).where(Decision.number == before + 1))
    return modal, post


def test_within_scope_decided_by_silence_once_with_two_schedulers(friday, slack, fake, app, db_url):
    set_up_partnership(slack, fake, app)
    with app.runtime.db.session() as session:
        session.scalar(select(Partnership)).charter.client_decisions = "Staffing levels <!channel> and rotas"
    modal, post = share(slack, fake, app)
    assert "Staffing levels &lt;!channel&gt; and rotas" in shown(modal)  # the charter's scope for the client side
    assert "Within our (client) scope" in json.dumps(modal)
    assert "*Decision 1* by <@ULEAD> (client)" in shown(post) and "Move weekend cover to Manila" in shown(post)
    assert buttons(post) == ["decision_aligned", "decision_not_aligned", "decision_amend", "decision_withdraw"]
    assert "objection window closes <!date^" in shown(post)
    shared = decision(app)
    assert (shared.state, shared.side, shared.scope) == ("open", "client", "within")
    # Two business days: Friday 15:00-24:00, Monday, then Tuesday until 15:00.
    assert shared.closes_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    told = fake.next("chat.postEphemeral")
    assert told["user"] == "ULEAD" and "Decision 1 is shared" in told["text"]

    # Only the other side answers; the author's own side is refused and nothing changes.
    slack.click("decision_aligned", value=str(shared.id), user="UHOME2")
    assert "Only the vendor side can do that to decision 1" in fake.next("response_url")["text"]
    assert trail(app) == [("shared", None, "open", "ULEAD")]
    slack.click("decision_aligned", value=str(shared.id), user="UEXT1", team="T_EXT")
    eventually(lambda: len(trail(app)) == 2, what="aligned recorded")
    assert fake.next("chat.update")["ts"] == post["ts"]
    assert "<@UEXT1> said aligned" in fake.next("chat.postMessage")["text"]

    fake.reset()
    replica = AppServer(database_url=db_url, api_url=fake.api_url, clock=friday).start()

    def tick_both():
        threads = [threading.Thread(target=s.tick) for s in (app.scheduler, replica.scheduler) for _ in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]

    try:
        friday.set(datetime(2026, 12, 1, 14, 59, tzinfo=UTC))
        tick_both()
        assert decision(app).state == "open" and in_thread(fake, post) == []
        friday.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
        tick_both()
        tick_both()
    finally:
        replica.stop()
    decided = decision(app)
    assert decided.state == "decided" and decided.settled_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    said = in_thread(fake, post)
    assert len(said) == 1
    assert "No objection within the window: decision 1 is *decided*" in said[0]["text"]
    [update] = fake.calls_to("chat.update")
    assert "*Decided*" in shown(update.args) and buttons(update.args) == []
    assert trail(app)[-1] == ("decided", "open", "decided", None)
    assert "No open decisions" in slack.command("decisions").text
    assert "Move weekend cover to Manila — Decided" in slack.command("decisions all").shown


def test_objected_to_then_amended_referred_and_escalated(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    assert "is now a lead" in said(slack, "role <@UEXT2> lead")
    fake.reset()
    # The vendor shares from the card (the other organisation has no slash commands).
    _, post = share(slack, fake, app, user="UEXT1", team="T_EXT", what="Switch QA sampling to 5%", via_card=True)
    shared = decision(app)
    assert shared.side == "vendor"
    fake.next("chat.postEphemeral")

    slack.click("decision_not_aligned", value=str(shared.id), user="UEXT2", team="T_EXT")  # own side
    assert "Only the client side" in fake.next("response_url")["text"]
    slack.click("decision_not_aligned", value=str(shared.id), user="UHOME2")
    modal = slack.next_modal()
    assert modal["callback_id"] == "decision_reason_form"
    assert slack.submit_view(modal, {"note": "  "}, user="UHOME2").json["errors"] == {"note": "Say why."}
    assert decision(app).state == "open"
    slack.submit_view(modal, {"note": "Quality <!here> dropped last time"}, user="UHOME2")
    eventually(lambda: decision(app).state == "objected", what="objected")
    update = fake.next("chat.update")
    assert buttons(update) == ["decision_amend", "decision_withdraw", "decision_refer", "decision_escalate"]
    thread = fake.next("chat.postMessage")
    assert thread["text"].endswith("<@UHOME2> said not aligned: Quality &lt;!here&gt; dropped last time")

    app.scheduler.tick()  # both sides' leads are told: a DM at home, one mention in the thread for the vendor
    dm = next(c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "ULEAD")
    assert "is *not aligned* with decision 1" in dm["text"]
    mention = next(c.args for c in fake.calls_to("chat.postMessage") if "<@UEXT2>" in c.args["text"])
    assert mention["thread_ts"] == post["ts"] and "<@ULEAD>" not in mention["text"]

    # Refusals change nothing: only the author withdraws or amends; only a lead refers or escalates.
    before = trail(app)
    slack.click("decision_withdraw", value=str(shared.id), user="UHOME2")
    assert "Only the person who shared it" in fake.next("response_url")["text"]
    slack.click("decision_amend", value=str(shared.id), user="ULEAD")
    assert "Only the person who shared it" in fake.next("response_url")["text"]
    slack.click("decision_refer", value=str(shared.id), user="UHOME2")
    assert "Only a lead can do that" in fake.next("response_url")["text"]
    slack.click("decision_escalate", value=str(shared.id), user="UEXT1", team="T_EXT")
    assert "Only leads can raise a decision as an escalation" in fake.next("response_url")["text"]
    assert trail(app) == before and decision(app).state == "objected"

    slack.click("decision_escalate", value=str(shared.id), user="ULEAD")
    raise_form = slack.next_modal()
    assert raise_form["callback_id"] == "escalation_raise"
    assert raise_form["blocks"][0]["element"]["initial_value"] == "Decision 1: Switch QA sampling to 5%"

    # The author amends: the window opens again from now; the earlier text stays in the history.
    friday.advance(hours=1)
    slack.click("decision_amend", value=str(shared.id), user="UEXT1", team="T_EXT")
    modal = slack.next_modal()
    assert modal["blocks"][0]["element"]["initial_value"] == "Switch QA sampling to 5%"
    amend = {"what": "Switch QA sampling to 8%", "why": "Meets the client halfway"}
    assert slack.submit_view(modal, amend, user="UEXT1", team="T_EXT").body == ""
    eventually(lambda: decision(app).state == "open", what="amended")
    amended = decision(app)
    assert amended.what == "Switch QA sampling to 8%"
    assert amended.closes_at == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    assert [m.what for m in amended.moves] == ["Switch QA sampling to 5%"] * 2 + ["Switch QA sampling to 8%"]

    friday.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))  # the first window's end: stale, nothing happens
    app.scheduler.tick()
    assert decision(app).state == "open"
    assert count(app, ScheduledSend, ScheduledSend.kind == "decision_close", ScheduledSend.status == "dropped") == 1

    slack.click("decision_not_aligned", value=str(shared.id), user="ULEAD")
    slack.submit_view(slack.next_modal(), {"note": "Still too low"})
    eventually(lambda: decision(app).state == "objected", what="objected again")
    fake.reset()
    slack.click("decision_refer", value=str(shared.id), user="ULEAD")
    eventually(lambda: decision(app).state == "referred", what="referred")
    app.scheduler.tick()
    governance = eventually(
        lambda: [c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_GOV"], what="council"
    )
    assert "referred decision 1" in governance[0]["text"]
    assert [e for e, *_ in trail(app)] == ["shared", "objected", "amended", "objected", "referred"]
    friday.set(datetime(2026, 12, 1, 16, 0, tzinfo=UTC))  # a referred decision is not decided by silence
    app.scheduler.tick()
    assert decision(app).state == "referred"
    assert "Referred to the council" in slack.command("decisions").shown
    status = slack.command("status").shown
    assert "Open decisions: 1 (1 referred to the council)" in status


def test_needing_agreement_is_reminded_halfway_and_expires(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    assert "is now a lead" in said(slack, "role <@UEXT2> lead")
    fake.reset()
    _, post = share(slack, fake, app, what="Add Saturday shift", scope="agreement", window="2")
    shared = decision(app)
    assert shared.state == "awaiting"
    assert buttons(post) == ["decision_agree", "decision_decline", "decision_amend", "decision_withdraw"]
    assert "Needs the vendor side's agreement" in shown(post)

    # Only a lead of the other side agrees or declines.
    opened = len(fake.calls_to("views.open"))
    for user, team in (("UEXT1", "T_EXT"), ("ULEAD", "T_HOME"), ("UHOME2", "T_HOME")):
        slack.click("decision_agree", value=str(shared.id), user=user, team=team)
        assert "Only a lead of the vendor side" in fake.next("response_url")["text"]
        slack.click("decision_decline", value=str(shared.id), user=user, team=team)
        assert "Only a lead of the vendor side" in fake.next("response_url")["text"]
    assert trail(app) == [("shared", None, "awaiting", "ULEAD")] and len(fake.calls_to("views.open")) == opened

    fake.reset()
    friday.set(datetime(2026, 11, 30, 14, 59, tzinfo=UTC))  # halfway: one business day later
    app.scheduler.tick()
    assert in_thread(fake, post) == []
    friday.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    app.scheduler.tick()
    app.scheduler.tick()
    [reminder] = in_thread(fake, post)
    assert reminder["text"].startswith("<@UEXT2> ")
    assert "needs your side's agreement" in reminder["text"]

    friday.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    app.scheduler.tick()
    assert decision(app).state == "expired"
    assert "*expired undecided*" in in_thread(fake, post)[-1]["text"]
    slack.click("decision_agree", value=str(shared.id), user="UEXT2", team="T_EXT")
    assert "is expired undecided: it can no longer be agreed" in fake.next("response_url")["text"]

    # A second one is declined, with a reason, by the vendor's lead.
    _, second = share(slack, fake, app, what="Drop the Friday call", scope="agreement")
    slack.click("decision_decline", value=str(decision(app, 2).id), user="UEXT2", team="T_EXT")
    slack.submit_view(slack.next_modal(), {"note": "We need it"}, user="UEXT2", team="T_EXT")
    eventually(lambda: decision(app, 2).state == "declined", what="declined")
    assert trail(app, 2)[-1] == ("declined", "awaiting", "declined", "UEXT2")
    assert count(app, DecisionMove) == 4


def test_the_form_and_the_list_refuse_what_does_not_fit(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    slack.command("decision")
    modal = slack.next_modal()
    errors = slack.submit_view(modal, {"what": "", "why": "", "scope": ""}).json["errors"]
    assert set(errors) == {"what", "why", "scope"}
    assert count(app, Decision) == 0
    assert "'maybe' is not a filter" in slack.command("decisions maybe").text
    assert "not a partnership yet" in slack.command("decision x", channel="C_OTHER").text
    assert "`/partner decision [what we're doing]`" in slack.command("help").shown


def test_a_decision_is_posted_with_no_write_transaction_open_and_a_refused_one_leaves_nothing(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    with slack_calls_while_writing(app) as calls:
        _, post = share(slack, fake, app)
    assert ("chat.postMessage", post["text"], False) in calls, calls
    assert not [call for call in calls if call[2]], calls
    assert decision(app).message_ts == post["ts"]

    before = (count(app, Decision), count(app, ScheduledSend))
    fake.error("chat.postMessage", "not_in_channel")
    slack.command("decision Close the Leeds office", user="ULEAD", team="T_HOME")
    modal = slack.next_modal()
    values = {"what": "Close the Leeds office", "why": "Cost", "scope": "within", "window_days": "2"}
    assert slack.submit_view(modal, values, user="ULEAD", team="T_HOME").status == 200
    eventually(
        lambda: any("not shared" in c.args.get("text", "") for c in fake.calls_to("chat.postEphemeral")),
        what="the person told",
    )
    assert (count(app, Decision), count(app, ScheduledSend)) == before  # nothing stored, nothing owed
