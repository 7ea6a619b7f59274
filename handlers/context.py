"""What listeners need from the composition root, handed over through Bolt's context (not closures),
and who did it and where: the (team, user) and channel of a Slack payload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext

from bot.runtime import Runtime

RUNTIME, SCHEDULER = "partnerbot_runtime", "partnerbot_scheduler"
# Set once an event's claim is committed (handlers.events): from then on a failure is the listener's to answer
# (503, claim given back: handlers.events.answered_after_work), or, for an event Bolt acknowledged at once
# (app_home_opened), too late for Slack to retry.
EVENT_CLAIMED = "partnerbot_event_claimed"


def provide(app: App, rt: Runtime, scheduler: Any) -> None:
    """Every request's context carries the runtime and the scheduler; listeners read them from there."""

    @app.middleware
    def runtime_in_context(context: BoltContext, next):
        context[RUNTIME] = rt
        context[SCHEDULER] = scheduler
        return next()


def runtime(context: BoltContext) -> Runtime:
    return context[RUNTIME]


def scheduler(context: BoltContext) -> Any:
    return context[SCHEDULER]


@dataclass(frozen=True)
class Actor:
    user_id: str
    team_id: str


def actor_of(body: dict) -> Actor:
    """Interaction payloads carry the user's home team; slash commands only the workspace's."""
    user = body.get("user") or {}
    if user:
        return Actor(user_id=user["id"], team_id=user.get("team_id") or body.get("team", {}).get("id", ""))
    return Actor(user_id=body["user_id"], team_id=body.get("user_team_id") or body["team_id"])


def channel_of(body: dict) -> str:
    return (body.get("channel") or {}).get("id") or body.get("channel_id") or ""
