"""KPIs end to end, from both companies: leads add, edit and retire them (logged with the charter), each
period's actuals are asked from the reporting side and entered in one form, late reporters are nudged once,
corrections keep history, the scorecard colours and trends, and a red streak is flagged once."""

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import Action, CharterEdit, Kpi, KpiActual
from tests.harness.app_server import AppServer
from tests.harness.flows import count, said, set_up_partnership
from tests.harness.slack_driver import shown
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
BACKLOG = {
    **CSAT,
    "name": "Backlog",
    "unit": "tickets",
    "target": "100",
    "direction": "lower",
    "amber_percent": "10",
    "reporting_side": "client",
}


@pytest.fixture
def friday(clock):
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))  # Friday; London is on UTC in November
    return clock


def add_kpi(slack, fake, app, values) -> Kpi:
    before = count(app, Kpi)
    slack.command("kpi add")
    response = slack.submit_view(slack.next_modal(), values)
    assert response.status == 200 and response.body == "", response.body
    eventually(lambda: count(app, Kpi) == before + 1, what="KPI stored")
    with app.runtime.db.session() as session:
        return session.scalar(select(Kpi).order_by(Kpi.id.desc()).limit(1))


def posts(fake, needle) -> list[dict]:
    return [c.args for c in fake.calls_to("chat.postMessage") if needle in c.args["text"]]


def enter_button(message) -> str:
    return next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "kpi_enter_actuals"
    )


def report(slack, fake, app, value: str, button: str, comment: str = "", user="UEXT1", team="T_EXT"):
    before = count(app, KpiActual)
    slack.click("kpi_enter_actuals", value=button, user=user, team=team)
    modal = slack.next_modal()
    field = next(b["block_id"] for b in modal["blocks"] if b.get("block_id", "").startswith("kpi_"))
    response = slack.submit_view(modal, {field: value, "comment": comment}, user=user, team=team)
    assert response.status == 200 and response.body == "", response.body
    eventually(lambda: count(app, KpiActual) == before + 1, what="actual stored")
    return modal


def test_kpis_actuals_scorecard_and_a_red_streak_flagged_once(friday, slack, fake, app, db_url):
    set_up_partnership(slack, fake, app)
    assert "is now a lead" in said(slack, "role <@UEXT2> lead")

    # Only leads add KPIs; the form refuses what is not a number.
    assert "Only leads can add KPIs" in slack.command("kpi add", user="UHOME2").text
    assert fake.calls_to("views.open") == []
    slack.command("kpi add")
    modal = slack.next_modal()
    errors = slack.submit_view(modal, {**CSAT, "target": "ninety", "reporting_side": ""}).json["errors"]
    assert errors == {
        "target": "'ninety' is not a number, e.g. 90 or 2.5",
        "reporting_side": "Say which side reports it.",
    }
    assert count(app, Kpi) == 0
    csat = add_kpi(slack, fake, app, CSAT)
    backlog = add_kpi(slack, fake, app, BACKLOG)
    assert (csat.target, csat.amber_percent, csat.higher_is_better) == (90.0, 5.0, True)
    assert (backlog.amber_percent, backlog.higher_is_better, backlog.reporting_side) == (10.0, False, "client")
    assert "added KPI *1.* CSAT — target ≥ 90 %" in posts(fake, "added KPI")[0]["text"]
    listing = slack.command("kpi list").shown
    assert "*2.* Backlog — target ≤ 100 tickets, amber within 10%, weekly, reported by the client side" in listing
    with app.runtime.db.session() as session:
        logged = [e.changes for e in session.scalars(select(CharterEdit).order_by(CharterEdit.id))]
    assert logged[0]["kpi_1"]["from"] is None and logged[0]["kpi_1"]["to"]["name"] == "CSAT"

    # The week of 23 Nov closes on Sunday: asked on Monday at 10:00 local (the next business day).
    fake.reset()
    friday.set(datetime(2026, 11, 30, 9, 59, tzinfo=UTC))
    app.scheduler.tick()
    assert posts(fake, "Actuals for the week of 2026-11-23") == []
    friday.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    asks = posts(fake, "Actuals for the week of 2026-11-23")
    in_channel = next(a for a in asks if a["channel"] == "C_PARTNER")  # the vendor: one message with a button
    dm = next(a for a in asks if a["channel"] == "ULEAD")  # the client, at home: a DM with a button
    assert len(asks) == 2 and "<@UEXT2>" in shown(in_channel) and "CSAT" in shown(in_channel)
    assert "Backlog" in dm["text"] and "CSAT" not in dm["text"]
    vendor_button, client_button = enter_button(in_channel), enter_button(dm)

    # The other side may not report for them; the form refuses a non-number inline.
    for stale in ("garbage", "99999|vendor|weekly|2026-11-23", f"{vendor_button}|x"):
        slack.click("kpi_enter_actuals", value=stale, user="UEXT1", team="T_EXT")
        assert "That button is out of date" in fake.next("response_url")["text"]
    slack.click("kpi_enter_actuals", value=vendor_button, user="UHOME2")
    assert "The vendor side reports these KPIs" in fake.next("response_url")["text"]
    slack.click("kpi_enter_actuals", value=vendor_button, user="UEXT1", team="T_EXT")
    modal = slack.next_modal()
    assert modal["callback_id"] == "kpi_actuals_form" and "week of 2026-11-23" in shown(modal)
    bad = slack.submit_view(modal, {f"kpi_{csat.id}": "lots"}, user="UEXT1", team="T_EXT").json["errors"]
    assert bad == {f"kpi_{csat.id}": "'lots' is not a number, e.g. 91.5"}
    assert count(app, KpiActual) == 0
    slack.submit_view(modal, {f"kpi_{csat.id}": "80", "comment": "Holiday <!here> cover"}, user="UEXT1", team="T_EXT")
    reported = eventually(lambda: posts(fake, "reported the week of 2026-11-23"), what="reported")[0]
    assert ":red_circle: CSAT 80" in reported["text"] and "&lt;!here&gt;" in reported["text"]

    # A correction keeps the earlier value.
    modal = report(slack, fake, app, "85", vendor_button)
    assert modal["blocks"][1]["element"]["initial_value"] == "80"
    with app.runtime.db.session() as session:
        assert [a.value for a in session.scalars(select(KpiActual).order_by(KpiActual.id))] == [80.0, 85.0]
    corrected = eventually(lambda: posts(fake, "corrected from"), what="correction posted")
    assert "CSAT 85 (corrected from 80)" in corrected[0]["text"]

    # A day later the client, who has not reported, is nudged once; the vendor is not.
    fake.reset()
    friday.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    app.scheduler.tick()
    app.scheduler.tick()
    nudges = posts(fake, "Reminder: the week of 2026-11-23 actuals are still missing")
    assert [n["channel"] for n in nudges] == ["ULEAD"] and "Backlog" in nudges[0]["text"]
    card = slack.command("scorecard").shown
    assert "*1. CSAT* — target ≥ 90 %, weekly, vendor reports, last reported by <@UEXT1>" in card
    assert "23 Nov :red_circle: 85" in card and "23 Nov :white_circle: _missing_" in card
    report(slack, fake, app, "105", client_button, user="ULEAD", team="T_HOME")  # backlog: amber (within 10%)

    # Two more red weeks make a streak: flagged once, with two schedulers, and one correction-plan action.
    for day, week, value in ((7, "2026-11-30", "82"), (14, "2026-12-07", "80")):
        friday.set(datetime(2026, 12, day, 10, 0, tzinfo=UTC))
        app.scheduler.tick()
        ask = next(a for a in posts(fake, f"Actuals for the week of {week}") if a["channel"] == "C_PARTNER")
        report(slack, fake, app, value, enter_button(ask))
    fake.reset()
    replica = AppServer(database_url=db_url, api_url=fake.api_url, clock=friday).start()
    try:
        threads = [threading.Thread(target=s.tick) for s in (app.scheduler, replica.scheduler) for _ in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    finally:
        replica.stop()
    [flag] = posts(fake, "Recurring miss")
    assert flag["channel"] == "C_PARTNER" and "CSAT has been red 3 periods in a row" in flag["text"]
    assert "<@ULEAD>" in flag["text"] and "<@UEXT2>" in flag["text"]
    with app.runtime.db.session() as session:
        [action] = session.scalars(select(Action))
        assert action.source == "kpi" and action.title == "Correction plan for CSAT: red 3 periods in a row"
    report(slack, fake, app, "79", enter_button(ask))  # a correction, still red: the same streak, not again
    app.scheduler.tick()
    assert count(app, Action) == 1 and len(posts(fake, "Recurring miss")) == 1

    card = slack.command("scorecard").shown
    assert ":repeat: *red 3 periods in a row*" in card and "trend :arrow_lower_right:" in card
    assert "07 Dec :red_circle: 79" in card
    status = slack.command("status").shown
    assert "KPIs: 2 — :large_green_circle: 0 :large_yellow_circle: 1 :red_circle: 1" in status
    assert "1 missing for the last period; 1 red streak :repeat:" in status

    # Only leads edit and retire; a refusal changes nothing.
    assert "Only leads can retire KPIs" in slack.command("kpi retire 1", user="UHOME2").text
    assert "Only leads can edit KPIs" in slack.command("kpi edit 1", user="UHOME2").text
    assert count(app, Kpi, Kpi.retired_at.is_(None)) == 2
    assert "There is no KPI 9 here" in slack.command("kpi retire 9").text
    slack.command("kpi edit 2")
    modal = slack.next_modal()
    slack.submit_view(modal, {**BACKLOG, "target": "120"})
    eventually(lambda: count(app, Kpi, Kpi.target == 120.0) == 1, what="edited")
    assert "KPI 1 is retired" in slack.command("kpi retire 1").text
    assert "CSAT" not in slack.command("kpi list").shown
    with app.runtime.db.session() as session:
        changes = [e.changes for e in session.scalars(select(CharterEdit).order_by(CharterEdit.id))]
    assert changes[-2]["kpi_2"]["from"]["target"] == 100.0 and changes[-2]["kpi_2"]["to"]["target"] == 120.0
    assert changes[-1]["kpi_1"]["to"] is None

    # The other company's leads, who have no slash commands, add KPIs from the button on those messages.
    added = posts(fake, "changed KPI")[-1]
    assert added["blocks"][0]["accessory"]["action_id"] == "kpi_add"
    slack.click("kpi_add", value="C_PARTNER", user="UEXT1", team="T_EXT")
    assert "Only leads can add KPIs" in fake.next("response_url")["text"]
    slack.click("kpi_add", value="C_PARTNER", user="UEXT2", team="T_EXT")
    modal = slack.next_modal()
    slack.submit_view(modal, {**CSAT, "name": "First-contact resolution"}, user="UEXT2", team="T_EXT")
    eventually(lambda: count(app, Kpi, Kpi.created_by == "UEXT2") == 1, what="added by the vendor's lead")
