"""People a request names: the actor's member row, and mentioned people resolved to their home team
with every Slack look-up done before the database unit of work that stores them."""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from slack_bolt import BoltContext
from sqlalchemy.orm import Session

from bot.errors import NoSide, NotAPerson, NotInChannel, UnknownPerson
from bot.partnerships import roster
from bot.partnerships import service as partnerships
from bot.partnerships.models import Member, Partnership
from bot.runtime import Runtime
from bot.slack.gateway import SlackApiError
from bot.slack.modal_state import channel_of_form
from bot.slack.rosters import keep_fresh
from handlers.context import Actor, channel_of, runtime

log = logging.getLogger(__name__)


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
    """Middleware: before a button or form of a channel, its roster is made fresh (a Slack call at most hourly per
    channel), outside any unit of work, so `require_in_channel` reads a current roster. A slash command has it done
    by the router, once it knows the subcommand needs it (help does not)."""
    if body.get("command"):
        return next()
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


def learn_people(rt: Runtime, channel_id: str, user_ids, *, tolerant: bool = True) -> None:
    """People seen in a partnership channel (at setup, joining, speaking) become members of the side their team
    implies. Slack is asked about each newcomer first, outside any unit of work: bots, apps' users and
    deactivated accounts are never members, and someone of a team without a side stays out until a lead assigns
    it (they are told when they try to act). Not `tolerant`: a failed look-up raises."""
    with rt.db.read() as session:
        partnership = partnerships.find_partnership(session, channel_id)
        known = {m.user_id for m in partnership.members} if partnership is not None else set()
    if partnership is None:
        return
    people = []
    for user_id in [u for u in dict.fromkeys(user_ids) if u and u not in known and u != rt.identity.user_id]:
        try:
            info = rt.gateway.user_info(user_id)
        except SlackApiError as exc:  # one person Slack cannot describe must not hold up the others...
            if not tolerant:  # ...but an event about one person fails, so Slack's retry of it is handled
                raise
            log.warning("could not look up %s in %s: %s", user_id, channel_id, exc.response.get("error"))
            continue
        if not info.is_bot:
            people.append(info)
    if not people:
        return
    # The installing team's people first; then, when several other organisations show up at once (a setup in a
    # channel shared three ways), the one with the most people here is taken as the other company and the rest
    # wait for a lead. Deterministic, never a set's order.
    sizes = Counter(info.team_id for info in people)
    home = rt.identity.team_id
    people.sort(key=lambda info: (info.team_id != home, -sizes[info.team_id], info.team_id, info.user_id))
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, channel_id)
        for info in people:
            try:
                partnerships.ensure_member(
                    session, partnership, team_id=info.team_id, user_id=info.user_id, now=rt.clock.now()
                )
            except NoSide:
                continue


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
