"""LOG_FORMAT=json: one JSON object a line, with the partnership, channel and request or send key where there is
one, and never a token or a secret, not even inside an exception or a URL."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime, timezone

import pytest

from bot import logs
from bot.config import load_settings
from bot.models import Partnership
from tests.harness.app_server import BOT_TOKEN, SIGNING_SECRET
from tests.harness.flows import add_rhythm, set_feedback_cycle, set_up_partnership
from tests.harness.waiting import eventually

UTC = timezone.utc


@pytest.fixture
def json_lines():
    """What partnerbot logs at WARNING and above while the test runs, as parsed JSON lines."""
    stream = io.StringIO()
    handler = logs.handler("json", [SIGNING_SECRET, BOT_TOKEN], stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_token_or_secret_in_an_exception_or_url_is_never_printed(json_lines):
    log = logging.getLogger("bot.somewhere")
    with logs.context(channel="C1", request="trigger-1"):
        try:
            raise RuntimeError(
                f"POST https://slack.com/api/chat.postMessage?token={BOT_TOKEN} failed; "
                f"signed with {SIGNING_SECRET}; user token xoxp-1234-5678-abcdef; app token xapp-1-A1-123-abc"
            )
        except RuntimeError:
            log.exception("could not answer https://hooks.slack.com/commands/T1/123/AbCdEf (token %s)", BOT_TOKEN)
    [line] = json_lines()
    printed = json.dumps(line)
    for secret in (BOT_TOKEN, SIGNING_SECRET, "xoxp-1234", "xapp-1-A1", "hooks.slack.com/commands/T1/123/AbCdEf"):
        assert secret.split("-", 1)[-1] not in printed
    assert "xoxb-[redacted]" in line["message"] and "[redacted url]" in line["message"]
    assert "RuntimeError" in line["exc_info"] and "[redacted]" in line["exc_info"]
    assert (line["level"], line["logger"], line["channel"], line["request"]) == (
        "ERROR",
        "bot.somewhere",
        "C1",
        "trigger-1",
    )
    assert "partnership" not in line and "send" not in line  # none here: left out, not null


def test_a_refused_request_is_logged_with_its_partnership_channel_and_request(slack, fake, app, json_lines):
    set_up_partnership(slack, fake, app)
    fake.error("chat.postMessage", "not_in_channel")
    slack.command("kudos <@UEXT1> for the cover")
    line = eventually(
        lambda: next((x for x in json_lines() if "Slack said not_in_channel" in x["message"]), None),
        what="the refusal logged",
    )
    with app.runtime.db.session() as session:
        partnership_id = session.query(Partnership.id).scalar()
    assert line["partnership"] == partnership_id and line["channel"] == "C_PARTNER"
    assert line["request"].startswith("trigger-")
    assert BOT_TOKEN not in json.dumps(json_lines())


def test_a_scheduled_send_is_logged_with_its_send_key(clock, slack, fake, app, json_lines):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    set_feedback_cycle(slack, fake, app, "0")
    add_rhythm(slack, fake, app)
    clock.set(datetime(2026, 11, 23, 9, tzinfo=UTC))
    fake.error("chat.postMessage", "fatal_error")
    app.scheduler.tick()
    [line] = [x for x in json_lines() if "will be retried" in x["message"]]
    assert line["send"].startswith("checkin:") and line["send"] in line["message"]
    assert line["channel"] == "C_PARTNER" and isinstance(line["partnership"], int)
    assert "request" not in line


def test_log_format_is_text_or_json():
    assert load_settings(_env_file=None, LOG_FORMAT="JSON").log_format == "json"
    with pytest.raises(Exception, match="LOG_FORMAT is malformed"):
        load_settings(_env_file=None, LOG_FORMAT="xml")
