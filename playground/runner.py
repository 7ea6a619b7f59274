"""Builds the playground: the stand-in Slack, the real bot (built as `partnerbot run` builds it) wired to it,
and the page. Everything listens on 127.0.0.1 only; nothing talks to slack.com."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from pathlib import Path

import uvicorn
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url

from bot.app import build_app, build_runtime
from bot.config import load_settings
from bot.http import build_http_app
from bot.models import Base
from bot.slack.pacing import ChannelPacer
from bot.slack.scopes import BOT_SCOPES
from playground import cast
from playground.bot_link import BotLink
from playground.inspector import Inspector
from playground.people import People
from playground.slack_api import FakeSlack
from playground.timetravel import travel
from playground.web_api import WebApi
from playground.workspace import Workspace
from schedules import build_scheduler

log = logging.getLogger("partnerbot.playground")
DEFAULT_DATABASE_URL = "sqlite:///partnerbot.db"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def state_path_for(database_url: str) -> Path:
    """The stand-in's state lives next to the bot's SQLite file (partnerbot.db -> partnerbot.playground.json)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise ValueError("give a state file for a database that is not a SQLite file")
    return Path(url.database).with_suffix(".playground.json")


def _serve_in_thread(app, port: int, name: str) -> uvicorn.Server:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the {name} server did not start")
        time.sleep(0.01)
    server.thread = thread
    return server


class Playground:
    def __init__(
        self,
        *,
        database_url: str = DEFAULT_DATABASE_URL,
        state_path: Path | None = None,
        port: int = 3000,
        tick_seconds: float = 10,
    ):
        self.database_url = database_url
        self.state_path = state_path if state_path is not None else state_path_for(database_url)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tick_seconds = tick_seconds
        self._servers: list[uvicorn.Server] = []

    def build(self) -> "Playground":
        self.workspace = Workspace(self.state_path)
        self.clock = self.workspace.clock
        self.web_api = WebApi(self.workspace)
        self.web_api.page_url = self.url
        self.slack = FakeSlack(
            bot_user_id=cast.BOT_USER_ID,
            bot_id=cast.BOT_ID,
            team_id=cast.CLIENT_TEAM,
            scopes=BOT_SCOPES,
            workspace=self.web_api,
            record=False,  # the inspector keeps the last exchanges; a long session must not grow without end
        ).start()
        self.web_api.response_urls = self.slack.response_url
        self.inspector = Inspector(self.clock)
        self.slack.observers.append(self.inspector.api_call)

        signing_secret = secrets.token_hex(24)  # made here, for this run: no real Slack secret is involved
        self.settings = load_settings(
            _env_file=None,
            SLACK_BOT_TOKEN="xoxb-playground-" + secrets.token_hex(12),
            SLACK_SIGNING_SECRET=signing_secret,
            SLACK_APP_TOKEN="",
            SLACK_API_URL=self.slack.api_url,
            DATABASE_URL=self.database_url,
            DEFAULT_TIMEZONE="Europe/London",  # where the client company of the cast works
        )
        # The stand-in has no rate limit, so a wider burst keeps time travel quick; pacing still applies.
        self.runtime = build_runtime(self.settings, self.clock, ChannelPacer(burst=20))
        self.runtime.db.upgrade()
        self.scheduler = build_scheduler(self.runtime, interval_seconds=self.tick_seconds)
        bolt = build_app(self.runtime, self.scheduler)
        bot_port = free_port()
        http_app = build_http_app(bolt, self.runtime.db, signing_secret, metrics=self.runtime.metrics)
        self._servers.append(_serve_in_thread(http_app, bot_port, "partnerbot"))
        self.bot = BotLink(f"http://127.0.0.1:{bot_port}/slack/events", signing_secret, self.inspector)
        self.people = People(self.workspace, self.web_api, self.bot)
        return self

    def page_app(self):
        from playground.server import build_page_app

        return build_page_app(self)

    def start(self) -> "Playground":
        """Build, start ticking, and serve the page in a background thread (tests)."""
        self.build()
        self._servers.append(_serve_in_thread(self.page_app(), self.port, "playground"))
        self.scheduler.start()
        return self

    def serve_forever(self) -> None:
        """Build and serve the page in this thread until interrupted (`partnerbot playground`)."""
        self.build()
        self.scheduler.start()
        print(f"Playground: open {self.url}/", flush=True)
        try:
            uvicorn.run(self.page_app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                        timeout_graceful_shutdown=1)  # fmt: skip
        finally:
            self.stop()

    def stop(self) -> None:
        self.scheduler.shutdown()
        for server in self._servers:
            server.should_exit = True
            server.thread.join(timeout=10)
        self._servers.clear()
        self.slack.stop()
        self.workspace.save()
        self.runtime.db.engine.dispose()

    # -- what the page's controls do ---------------------------------------------------------
    def travel(self, step: str) -> dict:
        return travel(self.clock, self.runtime.db, self.scheduler, step)

    def reset(self) -> None:
        """Start over: the bot's data and the playground's channel, messages and modals."""
        with self.runtime.db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(sql(f"DELETE FROM {table.name}"))
        self.inspector.clear()
        self.workspace.reset()
