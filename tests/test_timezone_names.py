"""A timezone name longer than a file name may be (zoneinfo reads names as paths) is an unknown timezone like
any other: an inline error on the setup form through signed HTTP, a named setting at start-up; never an OSError."""

from __future__ import annotations

import json

import pytest

from bot.config import ConfigError, load_settings
from tests.harness.flows import setup_values
from tests.harness.slack_driver import text

LONG = "Europe/" + "x" * 300


def test_the_setup_form_refuses_a_timezone_name_too_long_for_a_file_inline(slack, fake, app, failures):
    response = slack.submit(
        "partnership_setup",
        setup_values(timezone=text(LONG)),
        private_metadata=json.dumps({"channel_id": "C_PARTNER"}),
    )
    assert response.status == 200, response.body
    assert "is not an IANA timezone" in response.json["errors"]["timezone"]
    assert failures.seen == []


def test_a_default_timezone_too_long_for_a_file_is_named_at_start_up():
    with pytest.raises(ConfigError, match="DEFAULT_TIMEZONE is malformed"):
        load_settings(_env_file=None, DEFAULT_TIMEZONE=LONG)
