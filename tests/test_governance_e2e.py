"""Governance end to end: health in status and in full, the council, the digest, the Home tab, the appraisal,
referrals to the council, the export."""

import csv
import io
import json
import zipfile
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from bot.models import (
    Action,
    Appraisal,
    AppraisalAnswer,
    Charter,
    CharterEdit,
    CouncilSeat,
    Escalation,
    Kudos,
    Member,
)
from tests.harness.app_server import AppServer
from tests.harness.flows import (
    add_rhythm,
    count,
    give_feedback,
    raise_escalation,
    said,
    set_feedback_cycle,
    set_up_partnership,
)
from tests.harness.slack_driver import conversation, texts
from tests.harness.slack_driver import select as chosen
from tests.harness.slack_driver import text as chosen_text
from tests.harness.waiting import eventually

UTC = timezone.utc


def escalation(app) -> Escalation:
    with app.runtime.db.session() as session:
        found = session.scalar(select(Escalation))
        _ = found.transitions
        return found


def button_ids(post) -> list[str]:
    return [e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]


def button_ids_values(post) -> dict[str, str]:
    found = {}
    for block in post.get("blocks") or []:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["action_id"]] = element["value"]
    return found


@pytest.fixture
def monday(clock):
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # Monday; London is on UTC in November
    return clock


def test_status_opens_with_health_and_health_shows_every_part(monday, slack, fake, app, partnership):
    status = slack.command("status").json
    assert texts(status["blocks"])[1].startswith("*Health ")
    assert "vs 30 days ago · pulling it down: " in texts(status["blocks"])[1]

    slack.command("kudos <@UEXT1> for the tier-2 rota")
    eventually(lambda: count(app, Kudos) == 1, what="kudos stored")  # once UEXT1 is looked up
    shown = texts(slack.command("health").json["blocks"])
    assert shown[0] == "*Acme support with Globex* — health"
    assert "*Health 66/100* ▲ 1 pt vs 30 days ago" in shown[1]  # one kudos: 1/6 of half the kudos part (15 %)
    for line in (
        "*Check-ins answered on time*: *50*/100 × 20% — no check-in closed in the window",
        "Escalation targets met: *100*/100 × 20% — no target fell due, 0 open overdue",
        "Feedback both ways: *50*/100 × 20% — no feedback cycle closed in the window",
        "Actions on time: *100*/100 × 15% — no action fell due",
        "Feedback not raised again: *100*/100 × 10% — 0 point(s) raised again",
        "*Kudos both ways*: *8*/100 × 15% — client→vendor 1, vendor→client 0",
    ):
        assert line in shown[2]


def test_the_council_holds_leads_and_sponsors_and_only_leads_change_it(monday, slack, fake, app, partnership):
    assert "is now a sponsor" in said(slack, "role <@UEXT1> sponsor")
    shown = "\n".join(texts(slack.command("council").json["blocks"]))
    assert "*Client* Acme: <@ULEAD> (lead)" in shown and "*Vendor* Globex: <@UEXT1> (sponsor)" in shown

    refused = slack.command("council add <@UHOME2>", user="UHOME2").text
    assert "Only leads can change the governance council" in refused
    assert count(app, CouncilSeat) == 0

    assert said(slack, "council add <@UHOME2>") == "<@UHOME2> joined the governance council."
    assert "<@UEXT1> left the governance council." in slack.command("council remove <@UEXT1>").text
    assert "<@UEXT1> is not on the governance council." in slack.command("council remove <@UEXT1>").text
    shown = "\n".join(texts(slack.command("council").json["blocks"]))
    assert "<@UHOME2> (member)" in shown and "UEXT1" not in shown
    with app.runtime.db.session() as session:
        assert session.scalar(select(Member.role).where(Member.user_id == "UEXT1")) == "sponsor"  # roles untouched


def test_a_lead_refers_a_dispute_to_the_council_and_a_member_records_its_decision(
    monday, slack, fake, app, partnership
):
    assert "is now a lead" in said(slack, "role <@UEXT1> lead")
    raise_escalation(slack, fake, app, user="UEXT2", team="T_EXT")
    esc_id = str(escalation(app).id)
    assert "esc_refer" in button_ids(fake.calls_to("chat.postMessage")[0].args)
    fake.reset()

    slack.click("esc_refer", value=esc_id, user="UEXT2", team="T_EXT")  # the raiser, not a lead: refused
    assert "Only leads can move escalation #1 to referred to council" in fake.wait_for("response_url")[0].args["text"]
    assert escalation(app).state == "open" and fake.calls_to("chat.postMessage") == []

    slack.click("esc_refer", value=esc_id, user="UEXT1", team="T_EXT")  # a vendor lead
    eventually(lambda: escalation(app).state == "referred", what="referred")
    posts = fake.wait_for("chat.postMessage", 3)
    governance_post = next(c.args for c in posts if c.args["channel"] == "C_GOV")
    shown = "\n".join(texts(governance_post["blocks"]))
    assert "<@ULEAD>" in shown and "<@UEXT1> referred escalation *#1*" in shown
    assert "Tier-2 tickets breaching SLA" in shown and "Since Monday" in shown
    thread = [c.args for c in posts if c.args.get("thread_ts")]
    assert any(p["text"].startswith("<@UEXT1> Escalation #1 referred") for p in thread)  # other company's council
    assert button_ids(fake.calls_to("chat.update")[0].args) == ["esc_update", "esc_council_decision"]

    slack.click("esc_council_decision", value=esc_id, user="UHOME2")  # not on the council
    assert "Only members of the governance council" in fake.wait_for("response_url", 2)[1].args["text"]
    assert fake.calls_to("views.open") == []

    slack.click("esc_council_decision", value=esc_id, user="UEXT1", team="T_EXT")
    modal = slack.next_modal()
    errors = slack.submit_view(modal, {"decision": "Vendor adds two agents", "outcome": "in_progress"},
                               user="UEXT1", team="T_EXT").json["errors"]  # fmt: skip
    assert errors == {"owner": "Choose who owns it from here."} and escalation(app).state == "referred"
    response = slack.submit_view(
        modal,
        {"decision": "Vendor adds two agents", "outcome": "in_progress", "owner": "UEXT2"},
        user="UEXT1",
        team="T_EXT",
    )
    assert response.body == ""
    eventually(lambda: escalation(app).state == "in_progress", what="decided")
    moved = escalation(app)
    assert moved.owner_user == "UEXT2"
    assert [(t.from_state, t.to_state, t.user_id) for t in moved.transitions][-2:] == [
        ("open", "referred", "UEXT1"),
        ("referred", "in_progress", "UEXT1"),
    ]
    assert moved.transitions[-1].note == "council decision: Vendor adds two agents"
    told = "The council decided on escalation *#1*"
    posts = lambda: fake.calls_to("chat.postMessage")  # noqa: E731
    eventually(lambda: any(told in c.args["text"] for c in posts() if c.args["channel"] == "C_GOV"), what="told")


def test_the_digest_goes_out_once_however_many_schedulers_run(monday, slack, fake, app, partnership, db_url, clock):
    slack.command("kudos <@UEXT1> for the tier-2 rota")
    eventually(lambda: count(app, Kudos) == 1, what="kudos stored")
    now_shown = texts(slack.command("digest").json["blocks"])
    assert now_shown[0] == ":bookmark_tabs: *Weekly digest* — Acme support with Globex"
    assert "*Kudos:* client→vendor 1 · vendor→client 0" in now_shown[2]
    fake.reset()

    other = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    try:
        clock.set(datetime(2026, 11, 30, 8, 59, tzinfo=UTC))  # Monday, a minute early
        app.scheduler.tick()
        other.scheduler.tick()
        assert [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_GOV"] == []
        clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        for _ in range(2):
            app.scheduler.tick()
            other.scheduler.tick()
    finally:
        other.stop()
    digests = [c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_GOV"]
    assert len(digests) == 1
    shown = texts(digests[0]["blocks"])
    assert shown[1].startswith("*Health ") and "*Escalations:* 0 opened · 0 resolved · 0 breached a target" in shown[2]
    assert "*Kudos:* client→vendor 1 · vendor→client 0" in shown[2]


def test_without_a_governance_channel_the_digest_goes_to_the_home_sponsors(monday, slack, fake, app):
    set_up_partnership(slack, fake, app, governance_channel_id=conversation(None))
    assert "is now a sponsor" in said(slack, "role <@UHOME2> sponsor")
    fake.reset()
    monday.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    posts = fake.calls_to("chat.postMessage")
    assert [c.args["channel"] for c in posts] == ["UHOME2"]
    assert posts[0].args["text"].startswith("Weekly digest of Acme support with Globex: health ")


def test_a_lead_exports_the_partnership_by_dm_and_anonymous_feedback_stays_anonymous(
    monday, slack, fake, app, partnership
):
    set_feedback_cycle(slack, fake, app, "2", "anonymous")
    give_feedback(slack, fake, app, user="UEXT1", team="T_EXT", change="Give us more notice")
    raise_escalation(slack, fake, app)
    slack.click("esc_acknowledge", value=str(escalation(app).id))
    eventually(lambda: escalation(app).state == "acknowledged", what="acknowledged")
    fake.reset()

    refused = slack.command("export", user="UHOME2").text
    assert (
        "Only leads can export the partnership's data" in refused and fake.calls_to("files.getUploadURLExternal") == []
    )

    assert "Preparing the export" in slack.command("export").text
    complete = fake.wait_for("files.completeUploadExternal")[0].args
    assert complete["channel_id"] == "DULEAD"  # the lead's DM, opened with conversations.open
    assert "CSV files, one per table" in complete["initial_comment"]
    ticket = fake.calls_to("files.getUploadURLExternal")[0].args
    file_id = complete["files"][0]["id"]
    archive = zipfile.ZipFile(io.BytesIO(fake.uploaded(file_id)))
    assert int(ticket["length"]) == len(fake.uploaded(file_id))

    def table(name):
        return list(csv.DictReader(io.TextIOWrapper(archive.open(f"{name}.csv"), encoding="utf-8")))

    assert {"partnerships.csv", "members.csv", "escalation_transitions.csv", "feedback_responses.csv",
            "kudos.csv", "appraisals.csv", "council_seats.csv"} <= set(archive.namelist())  # fmt: skip
    assert "feedback_salt" not in table("partnerships")[0]
    [response] = table("feedback_responses")
    assert "giver_key" not in response and response["giver_user"] == "" and response["giver_team"] == ""
    assert response["giver_side"] == "vendor"
    assert [p["text"] for p in table("feedback_points")] == ["Give us more notice"]
    assert "UEXT1" not in json.dumps([table("feedback_responses"), table("feedback_points")])
    audit = table("escalation_transitions")
    moves = [(t["from_state"], t["to_state"], t["user_id"]) for t in audit]
    assert moves == [("", "open", "ULEAD"), ("open", "acknowledged", "ULEAD")]
    assert audit[0]["at"] == "2026-11-23T10:00:00+00:00" and audit[0]["at_local"] == "2026-11-23 10:00:00 GMT"


def test_the_appraisal_pre_read_with_charts_forms_from_both_companies_and_the_recorded_outcome(
    monday, slack, fake, app, partnership
):
    assert "is now a lead" in said(slack, "role <@UEXT1> lead")
    raise_escalation(slack, fake, app, user="UEXT2", team="T_EXT", category=chosen("quality"))
    fake.reset()

    assert "Only leads can run an appraisal" in slack.command("appraisal run", user="UHOME2").text
    assert count(app, Appraisal) == 0

    assert "The pre-read for the council meeting on 2027-02-23" in slack.command("appraisal run").text
    preread = next(c.args for c in fake.wait_for("chat.postMessage") if c.args["channel"] == "C_GOV")
    shown = "\n".join(texts(preread["blocks"]))
    assert "*Appraisal #1 of Acme support with Globex* — pre-read for the council meeting on 2027-02-23" in shown
    assert "<@ULEAD> <@UEXT1>" in shown
    assert "over the period · now *Health " in shown and "vs 30 days ago · pulling it down: " in shown
    assert "*Escalations:* 1 (previous period 0); by category Quality 1" in shown
    assert "P2 1 (was 0): median ack — vs target 2 h 00 min, resolve — vs target 48 h 00 min" in shown
    completes = fake.wait_for("files.completeUploadExternal", 4)
    assert {c.args["channel_id"] for c in completes} == {"C_GOV"}
    with app.runtime.db.session() as session:
        ts = session.scalar(select(Appraisal.preread_ts))
    assert {c.args["thread_ts"] for c in completes} == {ts}
    for complete in completes:
        png = fake.uploaded(complete.args["files"][0]["id"])
        assert png.startswith(b"\x89PNG")
    comments = [c.args["initial_comment"] for c in completes]
    assert any(c.startswith("Escalations by category this period: Quality 1 (was 0)") for c in comments)
    assert any(c.startswith("Check-in response rate by week: no check-ins closed") for c in comments)
    alts = [c.args["alt_txt"] for c in fake.calls_to("files.getUploadURLExternal")]
    assert sorted(alts) == sorted(comments)

    fake.wait_for("chat.postMessage", 4)  # the pre-read, its tally, a DM at home, a mention for the other company
    ask_dm = next(c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "ULEAD")
    ask_channel = next(c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_PARTNER")
    assert ask_channel["text"].startswith("<@UEXT1> The governance council")  # one mention for the other company
    assert "ULEAD" not in ask_channel["text"]
    appraisal_id = button_ids_values(ask_dm)["appraisal_fill"]
    tally = next(c.args for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts") == ts)
    assert tally["text"] == ":ballot_box_with_ballot: Appraisal forms answered: client 0 of 1 · vendor 0 of 1"

    slack.click("appraisal_fill", value=appraisal_id, user="UHOME2")  # not on the council
    assert "Only members of the governance council" in fake.wait_for("response_url")[-1].args["text"]
    answers = {
        "UEXT1": ("T_EXT", {"delivery": "4", "relationship": "3", "incentives": "2", "communication": "4",
                            "decide": "Rebalance the fee for <!channel> tier 2", "risk": "Attrition"}),
        "ULEAD": ("T_HOME", {"delivery": "3", "relationship": "4", "incentives": "3", "communication": "5",
                             "decide": "", "risk": "Q2 volume"}),
    }  # fmt: skip
    for user, (team, values) in answers.items():
        slack.click("appraisal_fill", value=appraisal_id, user=user, team=team)
        modal = slack.next_modal()
        assert slack.submit_view(modal, values, user=user, team=team).body == ""
    eventually(lambda: count(app, AppraisalAnswer) == 2, what="forms stored")
    updates = fake.wait_for("chat.update", 2)
    assert (
        updates[-1].args["text"] == ":ballot_box_with_ballot: Appraisal forms answered: client 1 of 1 · vendor 1 of 1"
    )

    monday.set(datetime(2027, 2, 23, 9, 0, tzinfo=UTC))  # the meeting's morning
    app.scheduler.tick()
    side_by_side = next(c.args for c in fake.calls_to("chat.postMessage") if "side by side" in c.args["text"] + str(
        c.args.get("blocks")))  # fmt: skip
    shown = "\n".join(texts(side_by_side["blocks"]))
    assert "*Client* (1) — averages: Delivery 3.0" in shown and "*Vendor* (1) — averages: Delivery 4.0" in shown
    assert "<@UEXT1>: Delivery 4, Relationship 3, Alignment of incentives 2, Communication 4" in shown
    assert "_Decide:_ Rebalance the fee for &lt;!channel&gt; tier 2" in shown
    fake.reset()

    assert "Only leads can record an appraisal" in slack.command("appraisal record", user="UHOME2").text
    slack.command("appraisal record")
    modal = fake.wait_for("views.open")[0].args["view"]
    errors = slack.submit_view(modal, {"verdict": "at_risk", "decision_1": "Add two agents"}).json["errors"]
    assert errors == {"due_1": "Give the decision a due date."} and count(app, Action) == 0
    response = slack.submit_view(
        modal,
        {"verdict": "at_risk", "decision_1": "Add two agents", "owner_1": "UEXT2", "due_1": "2027-03-15",
         "notes": "Revisit in March"},
    )  # fmt: skip
    assert response.body == ""
    eventually(lambda: count(app, Appraisal, Appraisal.recorded_at.is_not(None)) == 1, what="recorded")
    assert count(app, Action) == 1  # the decision, made an action
    with app.runtime.db.session() as session:
        action = session.scalar(select(Action))
        recorded = session.scalar(select(Appraisal))
    assert (action.title, action.owner_user, action.due_date.isoformat()) == (
        "Appraisal #1: Add two agents", "UEXT2", "2027-03-15")  # fmt: skip
    assert (recorded.verdict, recorded.recorded_by, recorded.notes) == ("at_risk", "ULEAD", "Revisit in March")
    told = next(c.args for c in fake.wait_for("chat.postMessage") if c.args["channel"] == "C_GOV")
    assert "recorded by <@ULEAD>: *At risk*" in "\n".join(texts(told["blocks"]))

    shown = "\n".join(texts(slack.command("appraisal").json["blocks"]))
    assert "quarterly; next meeting 2027-05-24" in shown  # one cadence on, on a business day
    assert "Add two agents → action #1" in shown
    assert "No appraisal is waiting to be recorded" in slack.command("appraisal record").text


def open_home(slack, user: str, tab: str = "home"):
    return slack.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab,
                        "event_ts": "1700000000.000001"})  # fmt: skip


def published(fake, user: str) -> list[dict]:
    return [c.args["view"] for c in fake.calls_to("views.publish") if c.args["user_id"] == user]


def test_the_home_tab_for_a_client_lead_a_vendor_member_and_a_sponsor(monday, slack, fake, app, partnership):
    assert "is now a sponsor" in said(slack, "role <@UHOME2> sponsor")
    add_rhythm(slack, fake, app)
    slack.command("rhythm run 1")
    fake.wait_for("chat.postMessage")
    raise_escalation(slack, fake, app, user="UEXT2", team="T_EXT", title=chosen_text("Queue <!here> overflow"))
    esc_id = str(escalation(app).id)
    fake.reset()

    assert open_home(slack, "ULEAD", tab="messages").status == 200
    assert open_home(slack, "ULEAD").status == 200
    lead = "\n".join(texts(fake.wait_for("views.publish")[0].args["view"]["blocks"]))
    assert "*Acme support with Globex* — you are client lead (Acme) · on the council" in lead
    assert "*Health " in lead and "pulling it down" in lead
    assert "Check-in *Weekly update* in Acme support with Globex, open until" in lead
    assert (
        "Escalation #1 (P2) in Acme support with Globex: Queue &lt;!here&gt; overflow — waiting for your side" in lead
    )
    assert "*Governance — Acme support with Globex*\nNext council appraisal: 2027-02-23" in lead
    assert len(published(fake, "ULEAD")) == 1  # the Messages tab published nothing
    lead_buttons = button_ids_values(published(fake, "ULEAD")[0])
    assert lead_buttons["home_open_escalation"] == esc_id and "checkin_answer" in lead_buttons

    open_home(slack, "UEXT2")
    member = "\n".join(texts(eventually(lambda: published(fake, "UEXT2"), what="vendor home")[0]["blocks"]))
    assert "you are vendor member (Globex)" in member and "on the council" not in member
    assert "Check-in *Weekly update*" in member and "Escalation #1" not in member  # they raised it
    assert "*Governance" not in member

    open_home(slack, "UHOME2")
    sponsor = "\n".join(texts(eventually(lambda: published(fake, "UHOME2"), what="sponsor home")[0]["blocks"]))
    assert "you are client sponsor (Acme) · on the council" in sponsor and "*Governance — " in sponsor

    # The buttons act directly: the escalation opens with its moves, and acknowledging it republishes the Homes
    # of the people it was waiting on (not of those it never concerned).
    slack.click("home_open_escalation", value=esc_id)
    opened = fake.wait_for("views.open")[0].args["view"]
    assert opened["callback_id"] == "home_escalation_view" and "esc_acknowledge" in button_ids_values(opened)
    app.scheduler.tick()
    assert len(published(fake, "ULEAD")) == 1  # nothing changed yet
    slack.click("esc_acknowledge", value=esc_id)
    eventually(lambda: escalation(app).state == "acknowledged", what="acknowledged")
    app.scheduler.tick()
    app.scheduler.tick()
    assert len(published(fake, "ULEAD")) == 2 and len(published(fake, "UHOME2")) == 2
    assert len(published(fake, "UEXT2")) == 1
    assert "Escalation #1" not in "\n".join(texts(published(fake, "ULEAD")[-1]["blocks"]))


def test_leads_set_the_governance_rhythm_and_the_charter_shows_it(monday, slack, fake, app, partnership):
    assert "Only leads can change the governance rhythm" in slack.command("appraisal schedule", user="UHOME2").text
    slack.command("appraisal schedule")
    modal = fake.wait_for("views.open")[0].args["view"]
    errors = slack.submit_view(
        modal, {"appraisal_cadence": "monthly", "next_appraisal_on": "2026-11-20", "digest_cadence": "off"}
    ).json["errors"]
    assert errors == {"next_appraisal_on": "Choose a day after today."}
    refused = slack.submit_view(
        modal,
        {"appraisal_cadence": "monthly", "next_appraisal_on": "2026-12-15", "digest_cadence": "off"},
        user="UHOME2",
    ).json["errors"]
    assert "Only leads" in refused["appraisal_cadence"]
    with app.runtime.db.session() as session:
        assert session.scalar(select(Charter.digest_cadence)) == "weekly"
        assert session.scalar(select(func.count()).select_from(CharterEdit)) == 0

    response = slack.submit_view(
        modal, {"appraisal_cadence": "monthly", "next_appraisal_on": "2026-12-15", "digest_cadence": "off"}
    )
    assert response.body == ""
    told = fake.wait_for("chat.postMessage")[0].args["text"]
    assert told.startswith("<@ULEAD> changed the governance rhythm: appraisal cadence quarterly → monthly")
    charter = "\n".join(texts(slack.command("charter").json["blocks"]))
    assert "Council appraisal monthly, next meeting 2026-12-15 · digest off" in charter

    monday.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # a digest Monday, but digests are off
    app.scheduler.tick()
    assert [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_GOV"] == []
    monday.set(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))  # five business days before 15 December
    app.scheduler.tick()
    preread = next(c.args for c in fake.wait_for("chat.postMessage", 2) if c.args["channel"] == "C_GOV")
    assert "pre-read for the council meeting on 2026-12-15" in "\n".join(texts(preread["blocks"]))
    app.scheduler.tick()
    posts = [c.args for c in fake.calls_to("chat.postMessage") if c.args["channel"] == "C_GOV"]
    assert len([p for p in posts if not p.get("thread_ts")]) == 1  # one pre-read, however often the scheduler ticks
