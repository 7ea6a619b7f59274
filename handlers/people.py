"""People a request names: the actor's member row, and mentioned people resolved to their home team
with every Slack look-up done before the database unit of work that stores them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.partnerships import service as partnerships
from bot.partnerships.models import Member, Partnership
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError
from bot.slack.text import mention
from handlers.context import Actor


def member_for(session: Session, partnership: Partnership, actor: Actor, now: datetime) -> Member:
    return partnerships.ensure_member(session, partnership, team_id=actor.team_id, user_id=actor.user_id, now=now)


def look_up(rt: Runtime, user_ids) -> dict[str, Actor]:
    """Each mentioned person with their home team: ours when we know them, else Slack's (before any write).

    Bots are refused: they cannot hold a role, own anything or receive kudos."""
    wanted = [u for u in dict.fromkeys(user_ids) if u]
    if not wanted:
        return {}
    with rt.db.session() as session:
        known = dict(session.execute(select(Member.user_id, Member.team_id).where(Member.user_id.in_(wanted))).all())
    people = {}
    for user_id in wanted:
        if user_id == rt.identity.user_id:
            raise UserError(f"{mention(user_id)} is a bot, not a person.")
        if user_id in known:
            people[user_id] = Actor(user_id=user_id, team_id=known[user_id])
            continue
        try:
            info = rt.gateway.user_info(user_id)
        except SlackApiError:
            raise UserError(f"I can't find {mention(user_id)} in Slack.") from None
        if info.is_bot:
            raise UserError(f"{mention(user_id)} is a bot, not a person.")
        people[user_id] = Actor(user_id=user_id, team_id=info.team_id)
    return people


def ensure_people(session: Session, partnership: Partnership, people: dict[str, Actor], now: datetime) -> dict:
    """The looked-up people as members of `partnership` (in the caller's unit of work)."""
    return {user_id: member_for(session, partnership, actor, now) for user_id, actor in people.items()}
