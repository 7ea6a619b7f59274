"""Governance end to end: health in status and in full, the council, the digest, the Home tab, the appraisal,
referrals to the council, the export."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.models import CouncilSeat, Member
from tests.harness.flows import count
from tests.harness.slack_driver import texts

UTC = timezone.utc


@pytest.fixture
def monday(clock):
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # Monday; London is on UTC in November
    return clock


def test_status_opens_with_health_and_health_shows_every_part(monday, slack, fake, app, partnership):
    status = slack.command("status").json
    assert texts(status["blocks"])[1].startswith("*Health ")
    assert "vs 30 days ago · pulling it down: " in texts(status["blocks"])[1]

    slack.command("kudos <@UEXT1> for the tier-2 rota")
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
