"""Socket Mode: Slack's requests over a WebSocket Slack opens to us, so no public URL; /healthz and /metrics,
which an operator still needs, on a small server of their own (METRICS_PORT)."""

from __future__ import annotations

import logging
import time
from typing import Callable

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response

from bot.metrics import Metrics
from bot.ops_server import OpsServer

log = logging.getLogger(__name__)


class MeasuredSocketModeHandler(SocketModeHandler):
    """Bolt's handler, counting each request by kind and outcome and timing its ack, as bot.http does in HTTP
    mode. A request not answered 200 (an event the database failed) is not acknowledged: Slack sends it again."""

    def __init__(self, app, app_token: str, metrics: Metrics, **kwargs):
        super().__init__(app, app_token, **kwargs)
        self.metrics = metrics

    def handle(self, client, req) -> None:
        arrived, started = time.perf_counter(), time.time()
        answer = run_bolt_app(self.app, req)
        send_response(client, req, answer, started)
        self.metrics.request_done(req.payload, answer.status, time.perf_counter() - arrived)


def serve_socket_mode(
    app,
    runtime,
    settings,
    stopping: Callable[[], bool],
    connect: Callable | None = None,
    serving: Callable[[], None] = lambda: None,
) -> None:
    """Serve until `stopping()`; `serving` is called once connected (the scheduler starts then, so its first tick
    does not hold the connection up). `connect(app, settings, metrics)` opens the connection to Slack and returns
    what has `close()` (a stand-in in tests)."""
    ops = OpsServer(runtime.db, runtime.metrics, settings.metrics_port).start()
    try:
        log.info("serving in Socket Mode; GET /healthz and /metrics on port %s", ops.port)
        handler = (connect or _connect)(app, settings, runtime.metrics)
        if not stopping():
            serving()
        try:
            while not stopping():
                time.sleep(0.2)
        finally:
            handler.close()
    finally:
        ops.stop()


def _connect(app, settings, metrics: Metrics) -> MeasuredSocketModeHandler:
    handler = MeasuredSocketModeHandler(app, settings.slack_app_token.get_secret_value(), metrics)
    handler.connect()
    return handler
