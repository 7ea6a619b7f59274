"""People a request names: the actor's member row, and mentioned people resolved to their home team
with every Slack look-up done before the database unit of work that stores them."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from slack_bolt import BoltContext
from sqlalchemy.orm import Session

from bot.errors import NotAPerson, NotInChannel, UnknownPerson
from bot.partnerships import roster
from bot.partnerships import service as partnerships
from bot.partnerships.models import Member, Partnership
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError
from bot.slack.modal_state import channel_of_form
from bot.slack.rosters import keep_fresh
from handlers.context import Actor, channel_of, runtime


def member_for(session: Session, partnership: Partnership, actor: Actor, now: datetime) -> Member:
    """The member acting, who must be in the partnership's channel (either organisation): someone outside it
    is refused before anything is stored, and is not made a member."""
    require_in_channel(session, partnership.channel_id, actor)
    return partnerships.ensure_member(session, partnership, team_id=actor.team_id, user_id=actor.user_id, now=now)


def require_in_channel(session: Session, channel_id: str, actor: Actor) -> None:
    """The one check that only people in the channel take part, against the roster. A channel whose member
    list Slack has never given us (e.g. a private channel we may not list) cannot be checked and is let be."""
    if roster.has_roster(session, channel_id) and not roster.is_in_channel(session, channel_id, actor.user_id):
        raise NotInChannel(channel_id)


def rosters_first(body, context: BoltContext, next):
    """Middleware: before a command, button or form of a channel, its roster is made fresh (a Slack call at most
    hourly per channel), outside any unit of work, so `require_in_channel` reads a current roster."""
    channel = channel_of(body) or _form_channel(body)
    if channel[:1] in ("C", "G"):
        keep_fresh(runtime(context), channel)
    return next()


def _form_channel(body: dict) -> str:
    return channel_of_form(body.get("view") or {}) or ""


def look_up(rt: Runtime, user_ids) -> dict[str, Actor]:
    """Each mentioned person with their home team, from Slack, before any write.

    Always asked of Slack, even for people we know: a bot that was once noted as a member must still never
    hold a role, own anything or receive kudos."""
    people = {}
    for user_id in [u for u in dict.fromkeys(user_ids) if u]:
        if user_id == rt.identity.user_id:
            raise NotAPerson(user_id)
        try:
            info = rt.gateway.user_info(user_id)
        except SlackApiError:
            raise UnknownPerson(user_id) from None
        if info.is_bot:
            raise NotAPerson(user_id)
        people[user_id] = Actor(user_id=user_id, team_id=info.team_id)
    return people


def ensure_people(session: Session, partnership: Partnership, people: dict[str, Actor], now: datetime) -> dict:
    """The looked-up people as members of `partnership` (in the caller's unit of work)."""
    return {
        user_id: partnerships.ensure_member(session, partnership, team_id=actor.team_id, user_id=user_id, now=now)
        for user_id, actor in people.items()
    }


@contextmanager
def asked_in(ctx) -> Iterator[tuple[Session, Partnership, Member]]:
    """A command's unit of work: its channel's partnership, and whoever asked as a member of it (who must be in
    the channel). `ctx` is the command's CommandContext."""
    with ctx.runtime.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        asker = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), ctx.runtime.clock.now())
        yield session, partnership, asker
