"""Governance fed by decisions, KPIs and incentives, end to end from both companies: the digest shows decisions
awaiting each side, the scorecard's state and the latest incentive review's misalignment; the App Home shows
decisions awaiting your side (with the answers you may give), KPI actuals your side owes and an incentive review
to answer, acts from its buttons and is republished when these change; the appraisal pre-read carries the
scorecard as a chart image, the incentive review side by side and the decisions of the period."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Decision, DecisionMove, IncentiveAnswer, IncentiveReview, Kpi, KpiActual
from tests.harness.flows import count, set_up_partnership
from tests.harness.slack_driver import shown, texts
from tests.harness.waiting import eventually

UTC = timezone.utc
CSAT = {
    "name": "CSAT",
    "unit": "%",
    "target": "90",
    "direction": "higher",
    "amber_percent": "",
    "reporting_side": "vendor",
    "period": "weekly",
}
QUALITY_FIRST = {"rank_1": "quality", "rank_2": "speed", "rank_3": "cost", "rank_4": "innovation"}
COST_FIRST = {"rank_1": "cost", "rank_2": "speed", "rank_3": "quality", "rank_4": "innovation"}


@pytest.fixture
def friday(clock):
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # Friday; London is on UTC in November
    return clock


def add_csat(slack, app) -> None:
    slack.command("kpi add")
    assert slack.submit_view(slack.next_modal(), CSAT).body == ""
    eventually(lambda: count(app, Kpi) == 1, what="KPI stored")


def share(slack, fake, app, *, user, team, what, scope, via_card=False) -> int:
    before = count(app, Decision)
    if via_card:
        slack.click("card_share_decision", value="C_PARTNER", user=user, team=team)
    else:
        slack.command(f"decision {what}", user=user, team=team)
    values = {"what": what, "why": "Better coverage", "scope": scope, "window_days": "2"}
    assert slack.submit_view(slack.next_modal(), values, user=user, team=team).body == ""
    eventually(lambda: count(app, Decision, Decision.message_ts.is_not(None)) == before + 1, what="decision posted")
    with app.runtime.db.session() as session:
        return session.scalar(select(Decision.id).where(Decision.number == before + 1))


def answer_review(slack, app, review_id: int, user: str, team: str, **values) -> None:
    before = count(app, IncentiveAnswer)
    slack.click("incentive_review_answer", value=str(review_id), user=user, team=team)
    assert slack.submit_view(slack.next_modal(), values, user=user, team=team).body == ""
    eventually(lambda: count(app, IncentiveAnswer) == before + 1, what="answer stored")


def open_home(slack, user: str, team: str):
    return slack.event({"type": "app_home_opened", "user": user, "user_team": team, "channel": f"D{user}",
                        "tab": "home", "event_ts": "1700000000.000001"})  # fmt: skip


def published(fake, user: str) -> list[dict]:
    return [c.args["view"] for c in fake.calls_to("views.publish") if c.args["user_id"] == user]


def buttons(view_or_message) -> list[tuple[str, str]]:
    """(action id, value) of every button, in order."""
    found = []
    for block in view_or_message["blocks"]:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found.append((element["action_id"], element["value"]))
    return found


def review_id(app) -> int:
    with app.runtime.db.session() as session:
        return session.scalar(select(IncentiveReview.id))


def test_the_digest_and_the_home_tab_show_decisions_kpis_and_incentives_to_both_companies(friday, slack, fake, app):
    set_up_partnership(slack, fake, app)
    slack.command("role <@UEXT2> lead")
    assert "is now a lead" in fake.next("response_url")["text"]
    add_csat(slack, app)
    mine = share(slack, fake, app, user="ULEAD", team="T_HOME", what="Move weekend cover to Manila", scope="within")
    theirs = share(slack, fake, app, user="UEXT2", team="T_EXT", what="Raise the tier-2 rate", scope="agreement",
                   via_card=True)  # fmt: skip
    assert "incentive review" in slack.command("incentives run").text.lower()
    eventually(lambda: count(app, IncentiveReview) == 1, what="review opened")
    answer_review(slack, app, review_id(app), "ULEAD", "T_HOME", still_wanted="yes", **QUALITY_FIRST)

    # Monday 10:00: the week of 23 Nov has closed and the vendor has been asked for CSAT.
    friday.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    fake.reset()

    digest = texts(slack.command("digest").json["blocks"])
    wired = next(line for line in digest if line.startswith("*Decisions:*"))
    assert (
        "*Decisions:* awaiting the client side (Acme): 2. Raise the tier-2 rate (awaiting agreement) · awaiting the "
        "vendor side (Globex): 1. Move weekend cover to Manila (open for objection)" in wired
    )
    assert (
        "*KPIs:* :large_green_circle: 0 green :large_yellow_circle: 0 amber :red_circle: 0 red · actuals missing: "
        "CSAT (week of 2026-11-23, vendor)" in wired
    )
    assert "*Incentives:* review of " in wired and ": no misalignment — The vendor side did not answer." in wired

    # The vendor lead's Home: the client's decision with the answers they may give, CSAT to report, the review.
    open_home(slack, "UEXT2", "T_EXT")
    vendor = eventually(lambda: published(fake, "UEXT2"), what="vendor home")[0]
    shown_vendor = "\n".join(texts(vendor["blocks"]))
    assert "Decision 1 in Acme support with Globex by <@ULEAD> (client): Move weekend cover to Manila" in shown_vendor
    assert "KPI actuals your side (vendor) owes in Acme support with Globex for the week of 2026-11-23: CSAT" in (
        shown_vendor
    )
    assert "Incentive review in Acme support with Globex, open until" in shown_vendor
    assert "Raise the tier-2 rate" not in shown_vendor  # their own decision waits on the client, not on them
    assert buttons(vendor)[-4:] == [
        ("decision_aligned", str(mine)),
        ("decision_not_aligned", str(mine)),
        ("kpi_enter_actuals", f"{_partnership_id(app)}|vendor|weekly|2026-11-23"),
        ("incentive_review_answer", str(review_id(app))),
    ]

    # The client lead may agree or decline the vendor's decision; a client member may only open it.
    open_home(slack, "ULEAD", "T_HOME")
    lead = eventually(lambda: published(fake, "ULEAD"), what="lead home")[0]
    assert ("decision_agree", str(theirs)) in buttons(lead) and ("decision_decline", str(theirs)) in buttons(lead)
    assert "KPI actuals" not in "\n".join(texts(lead["blocks"])) and "Incentive review in" not in "\n".join(
        texts(lead["blocks"])
    )  # the client reports no KPI; the lead has answered the review
    open_home(slack, "UHOME2", "T_HOME")
    member = eventually(lambda: published(fake, "UHOME2"), what="member home")[0]
    assert ("home_open_decision", str(theirs)) in buttons(member)
    assert not any(action.startswith("decision_") for action, _ in buttons(member))
    slack.click("home_open_decision", value=str(theirs), user="UHOME2")
    opened = slack.next_modal()
    assert opened["callback_id"] == "home_decision_view" and "Raise the tier-2 rate" in "\n".join(
        texts(opened["blocks"])
    )

    # The vendor lead acts from the Home: aligned, the actuals, the review. Each change republishes their Home
    # and leaves alone the Homes it does not concern.
    app.scheduler.tick()
    assert [len(published(fake, u)) for u in ("UEXT2", "ULEAD", "UHOME2")] == [1, 1, 1]
    slack.click("decision_aligned", value=str(mine), user="UEXT2", team="T_EXT")
    eventually(lambda: count(app, DecisionMove, DecisionMove.event == "aligned") == 1, what="aligned")
    app.scheduler.tick()
    app.scheduler.tick()
    assert [len(published(fake, u)) for u in ("UEXT2", "ULEAD", "UHOME2")] == [2, 1, 1]
    assert "Move weekend cover" not in "\n".join(texts(published(fake, "UEXT2")[-1]["blocks"]))

    slack.click("kpi_enter_actuals", value=f"{_partnership_id(app)}|vendor|weekly|2026-11-23", user="UEXT2",
                team="T_EXT")  # fmt: skip
    modal = slack.next_modal()
    field = next(b["block_id"] for b in modal["blocks"] if b.get("block_id", "").startswith("kpi_"))
    assert slack.submit_view(modal, {field: "70", "comment": ""}, user="UEXT2", team="T_EXT").body == ""
    eventually(lambda: count(app, KpiActual) == 1, what="actual stored")
    answer_review(slack, app, review_id(app), "UEXT2", "T_EXT", still_wanted="partly", why="Reopens", **COST_FIRST)
    app.scheduler.tick()
    app.scheduler.tick()
    waiting = "\n".join(texts(published(fake, "UEXT2")[-1]["blocks"])).split("*Waiting on you*")[1].split("*Gov")[0]
    assert waiting.strip().startswith("Feedback cycle #1")  # the month's feedback cycle opened meanwhile
    assert "Decision" not in waiting and "KPI actuals" not in waiting and "Incentive review" not in waiting

    wired = next(line for line in texts(slack.command("digest").json["blocks"]) if line.startswith("*Decisions:*"))
    assert ":red_circle: 1 red" in wired and "actuals missing" not in wired
    assert "*misalignment* :warning: — First priorities differ: the client puts quality first, the vendor cost." in (
        wired
    )
    assert "What is paid for is partly still wanted: Reopens" in wired


def _partnership_id(app) -> int:
    with app.runtime.db.session() as session:
        return session.scalar(select(Kpi.partnership_id))


def test_the_pre_read_carries_the_scorecard_chart_the_incentive_review_and_the_period_s_decisions(
    friday, slack, fake, app
):
    set_up_partnership(slack, fake, app)
    slack.command("role <@UEXT1> lead")
    assert "is now a lead" in fake.next("response_url")["text"]
    add_csat(slack, app)
    share(slack, fake, app, user="UEXT1", team="T_EXT", what="Pilot chat support", scope="within", via_card=True)
    slack.command("incentives run")
    eventually(lambda: count(app, IncentiveReview) == 1, what="review opened")
    answer_review(slack, app, review_id(app), "ULEAD", "T_HOME", still_wanted="yes", **QUALITY_FIRST)
    answer_review(slack, app, review_id(app), "UEXT1", "T_EXT", still_wanted="yes", **COST_FIRST)
    friday.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    ask = next(c.args for c in fake.calls_to("chat.postMessage") if "Actuals for the week of" in c.args["text"])
    value = next(v for action, v in buttons(ask) if action == "kpi_enter_actuals")
    slack.click("kpi_enter_actuals", value=value, user="UEXT1", team="T_EXT")
    modal = slack.next_modal()
    field = next(b["block_id"] for b in modal["blocks"] if b.get("block_id", "").startswith("kpi_"))
    slack.submit_view(modal, {field: "70", "comment": ""}, user="UEXT1", team="T_EXT")
    eventually(lambda: count(app, KpiActual) == 1, what="actual stored")
    fake.reset()

    assert "The pre-read for the council meeting" in slack.command("appraisal run").text
    preread = eventually(lambda: [c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_GOV"],
                         what="pre-read")[0]  # fmt: skip
    text = shown(preread)
    assert (
        "*KPI scorecard:* :large_green_circle: 0 green :large_yellow_circle: 0 amber :red_circle: 1 red "
        "(chart in the thread)" in text
    )
    assert "*Decisions of the period:* 1. Pilot chat support (vendor) — Open for objection" in text
    assert "*Incentives:* review of " in text
    assert "*misalignment* :warning: — First priorities differ: the client puts quality first, the vendor cost." in (
        text
    )
    sides = next(b for b in preread["blocks"] if b.get("fields"))
    assert [f["text"].split("\n")[0] for f in sides["fields"]] == ["*Client* (Acme)", "*Vendor* (Globex)"]
    assert "Ranks now: Quality > Speed > Cost > Innovation" in sides["fields"][0]["text"]
    assert "Ranks now: Cost > Speed > Quality > Innovation" in sides["fields"][1]["text"]

    completes = fake.wait_for("files.completeUploadExternal", 5)
    scorecard = [c.args for c in completes if c.args["initial_comment"].startswith("KPI scorecard")]
    assert len(scorecard) == 1 and len(completes) == 5
    assert scorecard[0]["initial_comment"] == (
        "KPI scorecard, last six periods oldest first: CSAT missing, missing, missing, missing, missing, red."
    )
    assert fake.uploaded(scorecard[0]["files"][0]["id"]).startswith(b"\x89PNG")
    tickets = [c.args for c in fake.calls_to("files.getUploadURLExternal") if c.args["filename"] == "kpi-scorecard.png"]
    assert [t["alt_txt"] for t in tickets] == [scorecard[0]["initial_comment"]]


def test_without_kpis_the_pre_read_has_no_scorecard_chart(friday, slack, fake, app, partnership):
    fake.reset()
    assert "The pre-read for the council meeting" in slack.command("appraisal run").text
    preread = eventually(lambda: [c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_GOV"],
                         what="pre-read")[0]  # fmt: skip
    assert "*KPI scorecard:* no KPIs yet (`/partner kpi add`)" in shown(preread)
    assert "*Incentives:* no incentive review yet" in shown(preread)
    assert "*Decisions of the period:* none shared, settled or in play" in shown(preread)
    fake.wait_for("files.completeUploadExternal", 4)
    app.scheduler.tick()
    names = sorted(c.args["filename"] for c in fake.calls_to("files.getUploadURLExternal"))
    assert names == ["checkin-response.png", "escalations-by-category.png", "feedback-scores.png", "health-trend.png"]
