"""Composition root: settings -> database -> gateway -> Bolt app with every listener."""

from __future__ import annotations

from slack_bolt import App

from bot.ack_runner import wake_on_ack
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database, make_engine
from bot.metrics import Metrics
from bot.runtime import DueWork, Runtime
from bot.slack.gateway import SlackGateway
from bot.slack.pacing import Pacer, TierPacer
from bot.slack.shared_pacing import shared_pacers


def build_runtime(
    settings: Settings,
    clock: Clock | None = None,
    pacer: Pacer | None = None,
    tiers: TierPacer | None = None,
) -> Runtime:
    settings.require_slack()
    metrics, db, clock = Metrics(), Database(settings.database_url), clock or SystemClock()
    metrics.watch_sends(db.read, clock.now)
    if db.engine.dialect.name == "postgresql":  # replicas share one database: they pace Slack's limits together
        # on connections of their own: a caller may hold one of the app's while it posts (a burst holds them all)
        shared, shared_tiers = shared_pacers(make_engine(settings.database_url))
        pacer, tiers = pacer or shared, tiers or shared_tiers
    return Runtime(
        settings=settings,
        db=db,
        gateway=SlackGateway(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_url,
            pacer=pacer,
            tiers=tiers,
            metrics=metrics,
        ),
        clock=clock,
        metrics=metrics,
    )


def build_app(rt: Runtime, scheduler: DueWork) -> App:
    from handlers import register_all  # handlers depend on bot, never the other way round at import time

    secret = rt.settings.slack_signing_secret
    app = App(
        name="partnerbot",  # without a name Bolt reads the whole call stack's source files to make one up (~50 ms)
        client=rt.gateway.client,
        signing_secret=secret.get_secret_value() if secret else None,
        # Socket Mode connections are authenticated by the app token; there is no signature to check.
        request_verification_enabled=not rt.settings.socket_mode,
        token_verification_enabled=False,  # `partnerbot check` and the first request verify the token
    )
    wake_on_ack(app)  # no 10 ms polling between a listener's ack() and the HTTP answer
    register_all(app, rt, scheduler)
    return app
