"""Incentives end to end, from both companies: what is paid for and each side's priorities written down by
that side's leads (logged with the charter), the quarter's review asked of leads and sponsors of both sides,
a report that flags misalignment and silence, points turned into actions, refusals that change nothing."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Action, CharterEdit, IncentiveAnswer, IncentiveReview, IncentiveTerms
from tests.harness.flows import count, said, set_up_partnership
from tests.harness.slack_driver import shown
from tests.harness.waiting import eventually

UTC = timezone.utc
QUALITY_FIRST = {"rank_1": "quality", "rank_2": "speed", "rank_3": "cost", "rank_4": "innovation"}
COST_FIRST = {"rank_1": "cost", "rank_2": "speed", "rank_3": "quality", "rank_4": "innovation"}


@pytest.fixture
def friday(clock):
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # Friday; London is on UTC in November
    return clock


def posts(fake, needle) -> list[dict]:
    return [c.args for c in fake.calls_to("chat.postMessage") if needle in c.args["text"]]


def button_value(message, action_id) -> str:
    for block in message["blocks"]:
        elements = block.get("elements", []) if block["type"] == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("action_id") == action_id:
                return element["value"]
    raise AssertionError(f"no {action_id} button")


def answer(slack, app, review_id, user, team, **values):
    before = count(app, IncentiveAnswer)
    slack.click("incentive_review_answer", value=str(review_id), user=user, team=team)
    response = slack.submit_view(slack.next_modal(), values, user=user, team=team)
    assert response.status == 200 and response.body == "", response.body
    eventually(lambda: count(app, IncentiveAnswer) == before + 1, what="answer stored")


def test_terms_a_quarterly_review_with_misalignment_and_actions(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    for words in ("role <@UEXT2> lead", "role <@UHOME3> sponsor", "role <@UEXT3> sponsor"):
        assert "is now a" in said(slack, words)

    # Only leads write the incentives down; each side's leads set that side's priorities.
    assert "Only leads can change what is paid for" in slack.command("incentives edit", user="UHOME2").text
    slack.command("incentives edit")
    modal = slack.next_modal()
    assert "Your side's (client) priority order" in shown(modal)
    clash = {**QUALITY_FIRST, "rank_2": "quality"}
    errors = slack.submit_view(modal, {"paid_for": "x", **clash, "review_month": "11"}).json["errors"]
    assert errors == {"rank_1": "Put each of quality, cost, speed and innovation in one place."}
    assert count(app, IncentiveTerms) == 0
    paid_for = "Per resolved ticket; bonus above 90% CSAT"
    slack.submit_view(modal, {"paid_for": paid_for, **QUALITY_FIRST, "review_month": "11"})
    told = eventually(lambda: posts(fake, "changed the charter's incentives"), what="terms saved")[0]
    assert "paid for, client priorities" in told["text"]
    # The vendor's lead, who has no slash commands, sets the vendor's order from that message's button.
    slack.click("incentive_terms_edit", value=button_value(told, "incentive_terms_edit"), user="UEXT1", team="T_EXT")
    assert "Only leads can change" in fake.next("response_url")["text"]
    slack.click("incentive_terms_edit", value="C_PARTNER", user="UEXT2", team="T_EXT")
    modal = slack.next_modal()
    assert "Your side's (vendor) priority order" in shown(modal)
    slack.submit_view(modal, {"paid_for": paid_for, **COST_FIRST, "review_month": "11"}, user="UEXT2", team="T_EXT")
    eventually(lambda: count(app, IncentiveTerms, IncentiveTerms.vendor_priorities.is_not(None)) == 1, what="vendor")
    with app.runtime.db.session() as session:
        logged = [e.changes for e in session.scalars(select(CharterEdit).order_by(CharterEdit.id))]
    assert logged[0]["paid_for"] == {"from": "", "to": paid_for}
    assert logged[1] == {"vendor_priorities": {"from": None, "to": ["cost", "speed", "quality", "innovation"]}}
    shown_terms = slack.command("incentives").shown
    assert "*Client priorities:* Quality > Speed > Cost > Innovation" in shown_terms
    assert "Next quarterly review: <!date^1801476000^" in shown_terms  # Mon 1 Feb 2027, 10:00 London

    # The quarter's review opens on the first business day of February at 10:00 local, once.
    fake.reset()
    friday.set(datetime(2027, 2, 1, 9, 59, tzinfo=UTC))
    app.scheduler.tick()
    assert count(app, IncentiveReview) == 0
    friday.set(datetime(2027, 2, 1, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    app.scheduler.tick()
    assert count(app, IncentiveReview) == 1
    asks = posts(fake, "Time for the incentive review")
    assert sorted(a["channel"] for a in asks) == ["C_PARTNER", "UHOME3", "ULEAD"]
    in_channel = next(a for a in asks if a["channel"] == "C_PARTNER")
    assert "<@UEXT2> <@UEXT3>" in shown(in_channel)
    review_id = int(button_value(in_channel, "incentive_review_answer"))

    # Members do not answer; "partly" and "no" need a why; the ranking takes each priority once.
    slack.click("incentive_review_answer", value=str(review_id), user="UHOME2")
    assert "answered by the leads and sponsors" in fake.next("response_url")["text"]
    slack.click("incentive_review_answer", value=str(review_id))
    modal = slack.next_modal()
    assert modal["blocks"][4]["element"]["initial_option"]["value"] == "quality"  # the charter's order to start
    assert slack.submit_view(modal, {"still_wanted": "no", "why": "", **QUALITY_FIRST}).json["errors"] == {
        "why": "Say why, when it is partly or no."
    }
    assert count(app, IncentiveAnswer) == 0
    answer(
        slack,
        app,
        review_id,
        "ULEAD",
        "T_HOME",
        still_wanted="partly",
        why="We pay per ticket, want fixes",
        unwanted_behaviour="Agents close tickets <!here> early",
        **QUALITY_FIRST,
    )
    answer(slack, app, review_id, "UHOME3", "T_HOME", still_wanted="yes", **QUALITY_FIRST)
    moved = {"rank_1": "cost", "rank_2": "quality", "rank_3": "speed", "rank_4": "innovation"}
    answer(slack, app, review_id, "UEXT2", "T_EXT", still_wanted="yes", **moved)

    # Closed five business days later: both sides side by side, and every point worth acting on.
    fake.reset()
    friday.set(datetime(2027, 2, 8, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    [report] = posts(fake, "Incentive review of")
    text = shown(report)
    assert ":warning: *Misalignment*" in text
    assert "First priorities differ: the client puts quality first, the vendor cost." in text
    assert "What is paid for is partly still wanted: We pay per ticket, want fixes" in text
    assert (
        "The vendor side's ranking moved from the charter's (cost → speed → quality → innovation) to "
        "cost → quality → speed → innovation." in text
    )
    assert "Behaviour our metrics reward: Agents close tickets &lt;!here&gt; early" in text
    assert "*Client* (Acme)\nStill what we want? yes 1 · partly 1 · no 0" in text
    slack.click("incentive_review_answer", value=str(review_id), user="UEXT3", team="T_EXT")
    assert "This incentive review has closed" in fake.next("response_url")["text"]

    # A lead turns a point into an action; a member may not.
    point = button_value(report, "incentive_point_action")
    slack.click("incentive_point_action", value=point, user="UEXT1", team="T_EXT")
    assert "Only leads can turn review points into actions" in fake.next("response_url")["text"]
    slack.click("incentive_point_action", value=point, user="UEXT2", team="T_EXT")
    modal = slack.next_modal()
    assert modal["blocks"][0]["element"]["initial_value"].startswith("First priorities differ")
    slack.submit_view(
        modal,
        {"title": "Agree whether quality or cost comes first", "owner": "UEXT2", "due_date": "2027-02-20"},
        user="UEXT2",
        team="T_EXT",
    )
    eventually(lambda: count(app, Action) == 1, what="action made")
    with app.runtime.db.session() as session:
        made = session.scalar(select(Action))
        assert (made.source, made.owner_user, made.title) == (
            "incentives",
            "UEXT2",
            "Agree whether quality or cost comes first",
        )
    assert "*Misalignment*" in slack.command("incentives").shown
    status = slack.command("status").shown
    assert "Incentives: review of <!date^1801476000^{date_short_pretty}|2027-02-01 10:00 UTC> *misalignment*" in status
    assert "next review <!date^" in status


def test_a_review_run_now_calls_out_a_silent_side(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    assert "Only leads can start an incentive review" in slack.command("incentives run", user="UHOME2").text
    assert count(app, IncentiveReview) == 0
    assert "No incentive review yet" in slack.command("incentives").shown
    assert "open until" in slack.command("incentives run").text
    assert "already open" in slack.command("incentives run").text
    ask = eventually(lambda: posts(fake, "Time for the incentive review"), what="asked")[0]
    review_id = int(button_value(ask, "incentive_review_answer"))
    answer(slack, app, review_id, "ULEAD", "T_HOME", still_wanted="yes", **QUALITY_FIRST)
    friday.set(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
    app.scheduler.tick()
    text = shown(posts(fake, "Incentive review of")[0])
    assert "*Vendor* (Globex)\n:mute: no answer — silence might mean disengagement, not perfection." in text
    assert "The vendor side did not answer. — silence might mean disengagement" in text
    assert ":white_check_mark: Aligned" in text  # silence is called out, not counted as disagreement
    assert "aligned; the vendor side silent; next review" in slack.command("status").shown
