"""What an operator reads of a replica: its health (can it reach its database) and its metrics. In HTTP mode
they are routes of the app's own server (bot.http); in Socket Mode, where Slack needs no server of ours, a
small one of their own serves them on METRICS_PORT, from the same registry."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.db import Database
from bot.metrics import CONTENT_TYPE_LATEST, Metrics

log = logging.getLogger(__name__)


def health(db: Database) -> tuple[int, dict]:
    """`GET /healthz`: 200 when the database answers, else 503 (a load balancer takes the replica out)."""
    healthy = db.is_healthy()
    body = {"status": "ok" if healthy else "unhealthy", "database": "ok" if healthy else "unreachable"}
    return (200 if healthy else 503), body


class OpsServer:
    """`GET /healthz` and `GET /metrics` on a port of their own, each request on a thread (a scrape reads the
    database); started and stopped with the bot."""

    def __init__(self, db: Database, metrics: Metrics, port: int, host: str = "0.0.0.0"):
        self._server = ThreadingHTTPServer((host, port), _handler(db, metrics))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]  # the one given, or the one the system chose for 0
        self._thread = threading.Thread(target=self._server.serve_forever, name="ops-server", daemon=True)

    def start(self) -> OpsServer:
        self._thread.start()
        log.info("serving GET /healthz and GET /metrics on port %s", self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(db: Database, metrics: Metrics) -> type[BaseHTTPRequestHandler]:
    import json

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            if self.path == "/healthz":
                status, body = health(db)
                self._answer(status, "application/json", json.dumps(body).encode())
            elif self.path == "/metrics":
                self._answer(200, CONTENT_TYPE_LATEST, metrics.exposition())
            else:
                self._answer(404, "text/plain; charset=utf-8", b"not found: GET /healthz or /metrics\n")

        def _answer(self, status: int, content_type: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args) -> None:  # scrapes every few seconds are not news
            log.debug("ops server: " + format, *args)

    return Handler
