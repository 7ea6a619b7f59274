"""Governance end to end: health in status and in full, the council, the digest, the Home tab, the appraisal,
referrals to the council, the export."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import CouncilSeat, Escalation, Kudos, Member
from tests.harness.app_server import AppServer
from tests.harness.flows import count, raise_escalation, set_up_partnership
from tests.harness.slack_driver import conversation, texts
from tests.harness.waiting import eventually

UTC = timezone.utc


def escalation(app) -> Escalation:
    with app.runtime.db.session() as session:
        found = session.scalar(select(Escalation))
        _ = found.transitions
        return found


def button_ids(post) -> list[str]:
    return [e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]


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
    assert slack.command("role <@UEXT1> sponsor").status == 200
    fake.wait_for("response_url")  # answered once UEXT1 is looked up and made a sponsor
    shown = "\n".join(texts(slack.command("council").json["blocks"]))
    assert "*Client* Acme: <@ULEAD> (lead)" in shown and "*Vendor* Globex: <@UEXT1> (sponsor)" in shown

    refused = slack.command("council add <@UHOME2>", user="UHOME2").text
    assert "Only leads can change the governance council" in refused
    assert count(app, CouncilSeat) == 0

    slack.command("council add <@UHOME2>")  # someone not met yet: answered after looking them up
    assert fake.wait_for("response_url", 2)[-1].args["text"] == "<@UHOME2> joined the governance council."
    assert "<@UEXT1> left the governance council." in slack.command("council remove <@UEXT1>").text
    assert "<@UEXT1> is not on the governance council." in slack.command("council remove <@UEXT1>").text
    shown = "\n".join(texts(slack.command("council").json["blocks"]))
    assert "<@UHOME2> (member)" in shown and "UEXT1" not in shown
    with app.runtime.db.session() as session:
        assert session.scalar(select(Member.role).where(Member.user_id == "UEXT1")) == "sponsor"  # roles untouched


def test_a_lead_refers_a_dispute_to_the_council_and_a_member_records_its_decision(
    monday, slack, fake, app, partnership
):
    slack.command("role <@UEXT1> lead")
    fake.wait_for("response_url")
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
    slack.command("role <@UHOME2> sponsor")
    fake.wait_for("response_url")
    fake.reset()
    monday.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    app.scheduler.tick()
    posts = fake.calls_to("chat.postMessage")
    assert [c.args["channel"] for c in posts] == ["UHOME2"]
    assert posts[0].args["text"].startswith("Weekly digest of Acme support with Globex: health ")
