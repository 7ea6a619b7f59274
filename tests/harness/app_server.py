"""The real app (Bolt + starlette) served by uvicorn over real HTTP on a free port."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from bot.app import build_app, build_runtime
from bot.config import load_settings
from bot.http import build_http_app
from bot.runtime import Runtime
from bot.slack.pacing import ChannelPacer, TierPacer
from schedules import build_scheduler

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    def __init__(self, *, database_url: str, api_url: str, clock, pace_posts: bool = False, **settings):
        self.settings = load_settings(
            _env_file=None,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=api_url,
            DATABASE_URL=database_url,
            DEFAULT_TIMEZONE="Europe/London",
            **settings,
        )
        # Tests move a fake clock through weeks in a second; Slack's real-time pacing is tested on its own.
        pacer, tiers = (None, None) if pace_posts else (ChannelPacer(burst=10_000), TierPacer.unlimited())
        self.runtime: Runtime = build_runtime(self.settings, clock, pacer, tiers)
        # Not started: tests tick it by hand after moving the clock (start_ticking runs it for real).
        self.scheduler = build_scheduler(self.runtime, interval_seconds=0.05)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> "AppServer":
        self.runtime.db.upgrade()
        self.bolt = bolt = build_app(self.runtime, self.scheduler)
        config = uvicorn.Config(
            build_http_app(bolt, self.runtime.db, SIGNING_SECRET, metrics=self.runtime.metrics),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"app-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the app server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.scheduler.shutdown()
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self.runtime.db.engine.dispose()
