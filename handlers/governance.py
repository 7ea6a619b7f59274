"""Listeners for governance: health, the council, the digest, the appraisal, referrals, the export."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.governance import service as governance
from bot.governance.blocks import council_blocks, council_changed_text, health_blocks
from bot.partnerships import service as partnerships
from handlers.context import Actor
from handlers.people import look_up, member_for
from handlers.router import CommandContext, CommandSet, Reply, person

log = logging.getLogger(__name__)

commands = CommandSet()


def _actor(ctx: CommandContext) -> Actor:
    return Actor(user_id=ctx.user_id, team_id=ctx.team_id)


@commands.add("health", summary="the health score and every part of it", example="/partner health")
def health(ctx: CommandContext) -> Reply:
    rt = ctx.runtime
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        return Reply(*health_blocks(partnership, governance.reading(session, partnership, rt.clock.now())))


@commands.add("council", summary="the governance council", example="/partner council")
def council(ctx: CommandContext) -> Reply:
    with ctx.runtime.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        return Reply(*council_blocks(partnership, governance.council(session, partnership)))


@commands.add(
    "council add", person(), summary="add someone to the council (leads only)", example="/partner council add @dana"
)
def council_add(ctx: CommandContext, user_id: str) -> Reply:
    return _seat(ctx, user_id, seated=True)


@commands.add(
    "council remove",
    person(),
    summary="remove someone from the council (leads only)",
    example="/partner council remove @dana",
)
def council_remove(ctx: CommandContext, user_id: str) -> Reply:
    return _seat(ctx, user_id, seated=False)


def _seat(ctx: CommandContext, user_id: str, *, seated: bool) -> Reply:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with rt.db.session() as session:  # refused before any look-up in Slack when the asker is not a lead
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        partnerships.require_lead(member_for(session, partnership, _actor(ctx), now), "change the governance council")
        known = any(m.user_id == user_id for m in partnership.members)
    if not known:
        ctx.ack()  # a newcomer's home team needs Slack: answer Slack first, reply when known
    target = look_up(rt, [user_id])[user_id]
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        actor = member_for(session, partnership, _actor(ctx), now)
        member = member_for(session, partnership, target, now)
        changed = governance.change_seat(session, partnership, actor, member, seated=seated, now=now)
        return Reply(council_changed_text(user_id, seated, changed))


def register(app: App) -> None:
    pass
