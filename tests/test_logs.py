"""LOG_FORMAT=json: one JSON object a line, with the partnership, channel and request or send key where there is
one, and never a token or a secret, not even inside an exception or a URL."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import urllib.request
from datetime import datetime, timezone

import pytest

from bot import logs
from bot.config import load_settings
from bot.models import Partnership
from tests.harness.app_server import BOT_TOKEN, SIGNING_SECRET, free_port
from tests.harness.flows import add_rhythm, set_feedback_cycle, set_up_partnership
from tests.harness.slack_driver import SlackDriver
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


def test_partnerbot_run_logs_json_lines_and_serves_its_metrics(fake, tmp_path):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/run.db",
        "PORT": str(port),
        "LOG_FORMAT": "json",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )

    def metrics():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1) as response:
                return response.read().decode()
        except OSError:
            assert server.poll() is None
            return None

    try:
        eventually(metrics, timeout=30, what="partnerbot run serving /metrics")
        assert SlackDriver(f"http://127.0.0.1:{port}", SIGNING_SECRET, fake).command("help").status == 200
        scraped = metrics()
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert 'partnerbot_requests_total{kind="command",outcome="ok"} 1.0' in scraped
    lines = [json.loads(line) for line in server.stderr.read().splitlines() if line.strip()]
    assert any(line["message"].startswith("serving HTTP on port") for line in lines)
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # uvicorn's own lines are JSON too
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert BOT_TOKEN not in json.dumps(lines) and SIGNING_SECRET not in json.dumps(lines)
