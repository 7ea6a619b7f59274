"""Buttons pressed inside a view, as Slack sends them (a view container, no channel, no response_url): from the
Home tab a form is opened (views.open); from inside a modal it is pushed on top (views.push), so that closing it
goes back to the modal under it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.harness.flows import raise_escalation
from tests.harness.slack_driver import text as chosen_text
from tests.harness.waiting import eventually
from tests.test_governance_e2e import button_ids_values, escalation, open_home, published


@pytest.fixture
def monday(clock):
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    return clock


def test_a_form_from_the_home_is_opened_and_from_a_modal_is_pushed(monday, slack, fake, app, partnership):
    raise_escalation(slack, fake, app, user="UEXT2", team="T_EXT", title=chosen_text("Queue overflow"))
    esc_id = str(escalation(app).id)
    fake.reset()
    open_home(slack, "ULEAD")
    home = eventually(lambda: published(fake, "ULEAD"), what="the lead's Home")[0]
    assert button_ids_values(home)["home_open_escalation"] == esc_id

    assert slack.click("home_open_escalation", value=esc_id, inside={**home, "type": "home"}).status == 200
    opened = fake.wait_for("views.open")[0].args["view"]
    assert opened["callback_id"] == "home_escalation_view"
    assert button_ids_values(opened)["esc_resolve"] == esc_id

    assert slack.click("esc_resolve", value=esc_id, inside=opened).status == 200
    pushed = fake.wait_for("views.push")[0].args["view"]
    assert pushed["callback_id"] == "esc_resolve_form"
    assert len(fake.calls_to("views.open")) == 1  # the modal under it was not replaced
