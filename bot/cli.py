"""`partnerbot run | playground | db upgrade | check` (also `python -m bot`)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import ConfigError, configure_logging, load_settings

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
        settings = load_settings()
        if args.command in ("run", "check"):
            settings.require_slack()
        configure_logging(settings)
        if args.command == "run":
            return run(settings)
        if args.command == "db":
            return upgrade(settings)
        return check(settings)
    except ConfigError as error:
        print(f"partnerbot: {error}", file=sys.stderr)
        return 2


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


def run(settings) -> int:
    from bot.app import build_app, build_runtime
    from bot.http import build_http_app
    from schedules import build_scheduler

    runtime = build_runtime(settings)
    runtime.db.upgrade()
    scheduler = build_scheduler(runtime)
    app = build_app(runtime, scheduler)
    scheduler.start()  # catches up at once: check-ins due while we were down go out if still in their window
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("serving in Socket Mode")
            SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        else:
            import uvicorn

            log.info("serving HTTP on port %s (POST /slack/events, GET /healthz)", settings.port)
            uvicorn.run(
                build_http_app(app, runtime.db, settings.slack_signing_secret.get_secret_value()),
                host="0.0.0.0",
                port=settings.port,
                log_level=settings.log_level.lower(),
            )
    finally:
        scheduler.shutdown()
    return 0
