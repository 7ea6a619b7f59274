"""Socket Mode serves /healthz and /metrics on METRICS_PORT, from the runtime's registry, and counts and times
the requests that come over the socket as HTTP mode counts those that come over HTTP. The Socket Mode path of
the CLI is run for real, with the WebSocket to Slack stood in for (the fake Slack has no Socket Mode)."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request

import pytest
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.socket_mode import MeasuredSocketModeHandler, serve_socket_mode
from tests.harness.app_server import free_port
from tests.harness.in_process import InProcessApp
from tests.harness.waiting import eventually


class SocketClient:
    """Where the handler sends its acks (the envelope ids Slack's socket would get back)."""

    def __init__(self):
        self.acked: list[str] = []
        self.logger = logging.getLogger("socket-client")

    def send_socket_mode_response(self, response) -> None:
        self.acked.append(response.envelope_id)


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def socket_mode(db_url, fake, clock):
    app = InProcessApp(database_url=db_url, api_url=fake.api_url, clock=clock)
    settings = app.settings.model_copy(update={"metrics_port": free_port()})
    handlers: list[MeasuredSocketModeHandler] = []

    def connect(bolt, settings_, metrics):
        handlers.append(MeasuredSocketModeHandler(bolt, "xapp-1-A-1-test", metrics))  # never connected
        return handlers[-1]

    stopping = threading.Event()
    serving = threading.Thread(
        target=serve_socket_mode, args=(app.bolt, app.runtime, settings, stopping.is_set, connect), daemon=True
    )
    serving.start()
    eventually(lambda: handlers and get(settings.metrics_port, "/healthz")[0] == 200, what="the ops server up")
    yield settings.metrics_port, handlers[0]
    stopping.set()
    serving.join(10)
    app.stop()


def test_socket_mode_serves_health_and_metrics_and_counts_socket_requests(socket_mode, fake):
    port, handler = socket_mode
    assert get(port, "/healthz") == (200, json.dumps({"status": "ok", "database": "ok"}))
    client = SocketClient()
    help_command = {
        "command": "/partner",
        "text": "help",
        "user_id": "ULEAD",
        "team_id": "T_HOME",
        "channel_id": "C_PARTNER",
        "api_app_id": "A_APP",
        "response_url": fake.response_url(),
        "trigger_id": "trigger-socket-1",
    }
    handler.handle(client, SocketModeRequest(type="slash_commands", envelope_id="env-1", payload=help_command))
    assert client.acked == ["env-1"]
    status, scraped = get(port, "/metrics")
    assert status == 200
    assert 'partnerbot_requests_total{kind="command",outcome="ok"} 1.0' in scraped
    assert 'partnerbot_ack_seconds_count{kind="command"} 1.0' in scraped
    assert "partnerbot_pending_sends 0.0" in scraped  # read from the database at the scrape, as in HTTP mode
    assert get(port, "/nothing")[0] == 404


def test_the_ops_server_stops_with_the_bot(db_url, fake, clock):
    app = InProcessApp(database_url=db_url, api_url=fake.api_url, clock=clock)
    settings = app.settings.model_copy(update={"metrics_port": free_port()})

    class Closed:
        def close(self) -> None: ...

    serve_socket_mode(app.bolt, app.runtime, settings, lambda: True, lambda *_: Closed())
    app.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{settings.metrics_port}/healthz", timeout=5)
