"""Bolt listeners, one module per area. Thin: parse, call a service, render blocks, respond."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import actions, commands, escalations, events, feedback, milestones, partnerships, rhythms
from handlers.router import Router
from schedules.scheduler import Scheduler


def register_all(app: App, rt: Runtime, scheduler: Scheduler) -> Router:
    router = Router()
    events.register(app, rt)
    partnerships.register(app, rt, router)
    rhythms.register(app, rt, router, scheduler)
    escalations.register(app, rt, router)
    actions.register(app, rt, router)
    feedback.register(app, rt, router)
    milestones.register(app, rt, router)
    commands.register(app, rt, router)
    return router
