"""Bolt listeners, one module per area. Thin: parse, call a service, render blocks, respond.

Each module's `register(app)` wires Bolt to its module-level listeners; what they need from the
composition root (the runtime, the scheduler) arrives in Bolt's context (see handlers.context)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.runtime import Runtime


def register_all(app: App, rt: Runtime, scheduler: Any) -> None:
    from handlers import (
        actions,
        appraisal,
        commands,
        context,
        decisions,
        escalations,
        events,
        feedback,
        governance,
        incentives,
        kpis,
        kudos,
        milestones,
        partnerships,
        people,
        replies,
        rhythms,
        time_off,
    )

    context.provide(app, rt, scheduler)
    app.error(replies.on_unhandled)
    app.middleware(people.rosters_first)
    areas = (events, partnerships, rhythms, time_off, escalations, actions, feedback, milestones, kudos, governance)
    areas += (appraisal, decisions, kpis, incentives)
    for area in (*areas, commands):
        area.register(app)
