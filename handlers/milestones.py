"""Listeners for milestones: the subcommands and thanks in a milestone's thread."""

from __future__ import annotations

from datetime import date

from slack_bolt import App

from bot.db import inserted_by
from bot.milestones import service as milestones
from bot.milestones.blocks import (
    added_reply,
    added_text,
    celebration,
    done_reply,
    milestone_list,
    moved_reply,
    removed_reply,
)
from bot.milestones.models import Milestone
from bot.partnerships import service as partnerships
from bot.runtime import Runtime
from bot.workdays import local_date
from handlers.context import Actor
from handlers.people import asked_in, look_up, member_for
from handlers.replies import post_stored
from handlers.router import CommandContext, CommandSet, Reply, day, number, person, word

commands = CommandSet()


def _actor(ctx: CommandContext) -> Actor:
    return Actor(ctx.user_id, ctx.team_id)


@commands.add(
    "milestone add",
    word('"NAME"', missing="Give the name in quotes, then the due date."),
    day(),
    person("@owner", optional=True),
    summary="add a dated goal",
    example='/partner milestone add "Go-live in Manila" 2027-02-01 @dana',
)
def add(ctx: CommandContext, name: str, due: date, owner_id: str | None) -> Reply:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        owner_known = owner_id is None or any(m.user_id == owner_id for m in partnership.members)
    if not owner_known:
        ctx.ack()  # a newcomer owner's team needs Slack: answer Slack first, reply when done
    owner = look_up(rt, [owner_id]).get(owner_id) if owner_id else None
    with asked_in(ctx) as (session, partnership, actor):
        owner_member = member_for(session, partnership, owner, now) if owner else None
        added = milestones.add(session, partnership, actor, name=name, due=due, owner=owner_member, now=now)
        text, number, milestone_id = added_text(added, actor.user_id), added.number, added.id
        channel, inserted = partnership.channel_id, inserted_by(session)
    if not ctx.acked:
        ctx.ack()
    # The milestone exists only with its message (its thread collects thanks): a refused post takes it back.
    ts = post_stored(rt, inserted, channel=channel, text=text)
    with rt.db.session() as session:
        session.get(Milestone, milestone_id).message_ts = ts
    return Reply(added_reply(number))


@commands.add(
    "milestone list", summary="open milestones with their due dates", example="/partner milestone list", default=True
)
def listing(ctx: CommandContext) -> Reply:
    rt = ctx.runtime
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        today = local_date(rt.clock.now(), partnership.timezone)
        return Reply(*milestone_list(milestones.open_milestones(session, partnership), today))


@commands.add(
    "milestone done", number(), summary="celebrate a milestone (owner or lead)", example="/partner milestone done 2"
)
def done(ctx: CommandContext, milestone_number: int) -> None:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with asked_in(ctx) as (session, partnership, actor):
        target = milestones.find(session, partnership, milestone_number)
        landing = milestones.complete(session, partnership, target, actor, now)
        text, blocks = celebration(partnership, landing)
        channel = partnership.channel_id
    ctx.ack(Reply(done_reply(landing.milestone)))
    rt.gateway.post_message(channel=channel, text=text, blocks=blocks)


@commands.add(
    "milestone move",
    number(),
    day(),
    summary="reschedule a milestone (owner or lead)",
    example="/partner milestone move 2 2027-03-01",
)
def move(ctx: CommandContext, milestone_number: int, due: date) -> Reply:
    now = ctx.runtime.clock.now()
    with asked_in(ctx) as (session, partnership, actor):
        target = milestones.find(session, partnership, milestone_number)
        milestones.move(session, partnership, target, actor, due, now)
        return Reply(moved_reply(target))


@commands.add(
    "milestone remove", number(), summary="delete a milestone (owner or lead)", example="/partner milestone remove 3"
)
def remove(ctx: CommandContext, milestone_number: int) -> Reply:
    with asked_in(ctx) as (session, partnership, actor):
        target = milestones.find(session, partnership, milestone_number)
        milestones.remove(target, actor)
        return Reply(removed_reply(target))


def on_thread_reply(rt: Runtime, channel_id: str, thread_ts: str, ts: str, text: str, actor: Actor) -> bool:
    """People mentioned in a milestone's thread are thanked: they are named when it is celebrated."""
    with rt.db.session() as session:
        milestone = partnerships.find_by_thread(session, Milestone, channel_id, thread_ts)
        if milestone is None:
            return False
        milestones.note_thanks(session, milestone, text, actor.user_id, ts)
    return True


def on_thread_edit(rt: Runtime, channel_id: str, thread_ts: str, ts: str, text: str, author: str) -> bool:
    """An edited reply in a milestone's thread thanks whom it names now."""
    with rt.db.session() as session:
        milestone = partnerships.find_by_thread(session, Milestone, channel_id, thread_ts)
        if milestone is None:
            return False
        milestones.edit_thanks(session, milestone, text, author, ts)
    return True


def on_thread_delete(rt: Runtime, channel_id: str, thread_ts: str, ts: str) -> bool:
    """A reply deleted from a milestone's thread takes back its thanks."""
    with rt.db.session() as session:
        milestone = partnerships.find_by_thread(session, Milestone, channel_id, thread_ts)
        return milestone is not None and milestones.withdraw_thanks(session, milestone, ts)


def register(app: App) -> None:
    """Milestones have no buttons or forms of their own: everything is a subcommand or a thread reply."""
