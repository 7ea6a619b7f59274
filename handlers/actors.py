"""Who did it and where: the (team, user) and channel of a Slack payload, and their member row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.partnerships import service as partnerships
from bot.partnerships.models import Member, Partnership


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
