"""The same app without its HTTP server, for property tests that send thousands of requests: each signed
request is dispatched to the Bolt app in the test's thread, and the work a listener does after its ack runs
before `dispatch` returns, so a test can compare the database right after each request. Slack's Web API
is still the fake over real HTTP. The HTTP layer itself (bot/http.py) is tested end to end elsewhere."""

from __future__ import annotations

import time
from concurrent.futures import Executor, Future

from bot.app import build_app, build_runtime
from bot.config import load_settings
from bot.slack.incoming import bolt_request
from bot.slack.pacing import ChannelPacer, TierPacer
from schedules import build_scheduler
from tests.harness.app_server import BOT_TOKEN, SIGNING_SECRET
from tests.harness.slack_driver import Response, SlackDriver


class InlineExecutor(Executor):
    """Runs each submitted function at once, in the submitting thread."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever reads the future, as a pool would
            future.set_exception(exc)
        return future


class InProcessApp:
    def __init__(self, *, database_url: str, api_url: str, clock):
        self.settings = load_settings(
            _env_file=None,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=api_url,
            DATABASE_URL=database_url,
            DEFAULT_TIMEZONE="Europe/London",
        )
        self.runtime = build_runtime(self.settings, clock, ChannelPacer(burst=10_000), TierPacer.unlimited())
        self.scheduler = build_scheduler(self.runtime, interval_seconds=0.05)
        self.runtime.db.upgrade()
        self.bolt = build_app(self.runtime, self.scheduler)
        self.bolt.listener_runner.listener_executor = InlineExecutor()

    def stop(self) -> None:
        self.scheduler.shutdown()
        self.runtime.db.engine.dispose()


class InProcessDriver(SlackDriver):
    """A SlackDriver whose requests go straight to the Bolt app (signed all the same)."""

    def __init__(self, app: InProcessApp, fake):
        super().__init__("in-process", SIGNING_SECRET, fake)
        self.bolt = app.bolt

    def post(self, body, content_type, *, timestamp=None, signature=None, headers=None) -> Response:
        timestamp = int(time.time()) if timestamp is None else timestamp
        if signature is None:
            signature = self.signer.generate_signature(timestamp=str(timestamp), body=body)
        request_headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": str(timestamp),
            "x-slack-signature": signature,
            **{name.lower(): value for name, value in (headers or {}).items()},
        }
        started = time.perf_counter()
        answer = self.bolt.dispatch(bolt_request(body, request_headers))
        return Response(answer.status, answer.body or "", time.perf_counter() - started)
