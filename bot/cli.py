"""`partnerbot run | playground | db upgrade | check` (also `python -m bot`)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from bot.config import ConfigError, configure_logging, load_settings
from bot.errors import DatabaseUnavailable

log = logging.getLogger("partnerbot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="partnerbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="apply migrations, then serve Slack (Socket Mode or HTTP)")
    db = commands.add_parser("db", help="database tasks")
    db.add_argument("action", choices=["upgrade"], help="apply every migration up to the newest")
    commands.add_parser("check", help="verify the bot token and its scopes against manifest.yml")
    playground = commands.add_parser("playground", help="the bot with a local stand-in for Slack, in the browser")
    playground.add_argument("--port", type=int, default=3000, help="the page's port on 127.0.0.1 (default 3000)")
    args = parser.parse_args(argv)
    if args.command == "playground":
        from playground.cli import serve

        return serve(port=args.port)
    try:
        settings = load_settings(require_slack=args.command in ("run", "check"))
        configure_logging(settings)
        if args.command == "run":
            return run(settings)
        if args.command == "db":
            return upgrade(settings)
        return check(settings)
    except ConfigError as error:
        print(f"partnerbot: {error}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as error:
        print(f"partnerbot: can't reach the database ({error}): check DATABASE_URL and the server", file=sys.stderr)
        return 1


def upgrade(settings) -> int:
    from bot.db import upgrade as apply_migrations

    apply_migrations(settings.database_url)
    print("database is up to date")
    return 0


def check(settings) -> int:
    from bot.app import build_runtime
    from bot.slack.gateway import SlackApiError
    from bot.slack.scopes import BOT_SCOPES

    runtime = build_runtime(settings)
    try:
        identity = runtime.identity
    except SlackApiError as exc:
        print(
            f"partnerbot: Slack refused the bot token ({exc.response.get('error')}): check SLACK_BOT_TOKEN",
            file=sys.stderr,
        )
        return 1
    print(f"bot @{identity.user} ({identity.user_id}, bot {identity.bot_id}) in {identity.team} ({identity.team_id})")
    print(f"granted scopes: {', '.join(identity.scopes) or '(none reported)'}")
    missing = sorted(set(BOT_SCOPES) - set(identity.scopes))
    if missing:
        print(
            f"missing scopes: {', '.join(missing)} — add them from manifest.yml and reinstall the app", file=sys.stderr
        )
        return 1
    print("all scopes in manifest.yml are granted")
    return 0


class Shutdown:
    """What SIGTERM or SIGINT sets off (a signal handler: it only takes note, nothing that could block): the
    scheduler takes no new work, and the HTTP server stops taking requests and finishes those under way."""

    def __init__(self, scheduler) -> None:
        self.scheduler = scheduler
        self.at: float | None = None  # when it was asked for (monotonic)
        self.server = None

    def __call__(self, _signal=None, _frame=None) -> None:
        if self.at is None:
            self.at = time.monotonic()
        self.scheduler.stop()
        if self.server is not None:
            self.server.should_exit = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the app is imported and built, then what was built frozen (left
    out of every later collection) and the collector on again. Start-up makes a few hundred thousand objects that
    live as long as the process; collections triggered by their making walked them again and again (about a tenth
    of a cold start), and every full collection later would walk them too. The few cycles start-up leaves
    unreachable stay in memory."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def run(settings) -> int:
    """Serve until SIGTERM or SIGINT, then shut down gracefully: no new requests, no new ticks or claims; work
    under way gets SHUTDOWN_GRACE seconds, and every send still held after that is given back at once for
    another replica to take over. Exits well within 10 s even when a Slack call hangs."""
    with collector_paused():
        from bot.app import build_app, build_runtime
        from schedules import build_scheduler
        from schedules.scheduler import SHUTDOWN_GRACE

        runtime = build_runtime(settings)
        runtime.db.upgrade()
        scheduler = build_scheduler(runtime)
        app = build_app(runtime, scheduler)
    shutdown = Shutdown(scheduler)
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    # The scheduler starts once requests are being taken: its first tick (which catches up at once: check-ins due
    # while we were down go out if still in their window) would otherwise hold the start-up up, sharing one GIL.
    try:
        if settings.socket_mode:
            from bot.socket_mode import serve_socket_mode

            serve_socket_mode(app, runtime, settings, lambda: shutdown.at is not None, serving=scheduler.start)
        else:
            serve_http(app, runtime, settings, shutdown, SHUTDOWN_GRACE, scheduler.start)
    finally:
        shutdown()
        log.info("stopping: no new work; what is under way has %ss to finish", SHUTDOWN_GRACE)
        # Work a listener does after its ack (a form's post, say) has until the same deadline as the sends.
        listeners_done = done_by(app.listener_runner.listener_executor.shutdown, shutdown.at + SHUTDOWN_GRACE)
        scheduler.shutdown(SHUTDOWN_GRACE)  # gives back every send still under way
        runtime.db.engine.dispose()
    if not listeners_done or scheduler.busy:
        # A thread stuck in a call (a Slack call that hangs) would keep the process alive: what it held was given
        # back, so the process leaves without it.
        log.warning("exiting with work still stuck in a call; every send it held was given back")
        logging.shutdown()
        os._exit(0)
    log.info("stopped")
    return 0


def done_by(wait: Callable[[], None], deadline: float) -> bool:
    """Run a blocking `wait` until `deadline` (monotonic) at most; True when it returned in time."""
    waiting = threading.Thread(target=wait, name="shutdown-wait", daemon=True)
    waiting.start()
    waiting.join(max(0.0, deadline - time.monotonic()))
    return not waiting.is_alive()


def serve_http(app, runtime, settings, shutdown: Shutdown, grace: float, serving: Callable[[], None]) -> None:
    """Serve until shut down; `serving` is called once the socket takes requests."""
    import uvicorn

    from bot.http import build_http_app

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if not self.should_exit and shutdown.at is None:
                # Beside the event loop, not on it: importing and starting the scheduler held the first requests
                # (/healthz among them) up by a tenth of a second. A stop that comes first is kept: see
                # Scheduler.start.
                threading.Thread(target=serving, name="scheduler-start", daemon=True).start()

        def handle_exit(self, sig, frame) -> None:
            shutdown()  # the scheduler stops at the signal, while uvicorn finishes the requests under way
            super().handle_exit(sig, frame)

    log.info("serving HTTP on port %s (POST /slack/events, GET /healthz, GET /metrics)", settings.port)
    config = uvicorn.Config(
        build_http_app(app, runtime.db, settings.slack_signing_secret.get_secret_value(), metrics=runtime.metrics),
        host="0.0.0.0",
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's lines go through our handler too (JSON, redacted)
        timeout_graceful_shutdown=int(grace),
    )
    shutdown.server = Server(config)
    if shutdown.at is None:  # a signal may have come before the server was there to take it
        shutdown.server.run()
