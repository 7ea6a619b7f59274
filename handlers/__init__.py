"""Bolt listeners, one module per area. Thin: parse, call a service, render blocks, respond.

Each module's `register(app)` wires Bolt to its module-level listeners; what they need from the
composition root (the runtime, the scheduler) arrives in Bolt's context (see handlers.context)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.ack_runner import answer_inline
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
    app.middleware(commands.answer_static)  # before anything a static answer does not need
    answer_inline(app, commands.answered_inline)
    app.middleware(people.rosters_first)
    areas = (events, partnerships, rhythms, time_off, escalations, actions, feedback, milestones, kudos, governance)
    areas += (appraisal, decisions, kpis, incentives)
    # Bolt tries listeners in order, each match costing it a build of every argument it can inject: the three
    # slash commands, most often waited on by a person, come first (no other listener matches a command).
    for area in (commands, *areas):
        area.register(app)
