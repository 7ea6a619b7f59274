"""Who did it and where: the (team, user) and channel of a Slack payload, and their member row."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.partnerships import service as partnerships
from bot.partnerships.models import Member, Partnership
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError

log = logging.getLogger(__name__)


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


def member_for(session: Session, partnership: Partnership, actor: Actor, now) -> Member:
    return partnerships.ensure_member(session, partnership, team_id=actor.team_id, user_id=actor.user_id, now=now)


def failure_text(exc: Exception) -> str:
    return exc.message if isinstance(exc, UserError) else f"Slack said {exc.response.get('error')}"


def tell_actor(rt: Runtime, channel: str, actor: Actor, text: str) -> None:
    """An after-the-fact answer to someone whose modal already closed; best effort, it may fail too."""
    try:
        rt.gateway.post_ephemeral(channel=channel, user=actor.user_id, text=text)
    except SlackApiError as exc:
        log.warning("could not tell %s in %s: %s", actor.user_id, channel, exc.response.get("error"))
