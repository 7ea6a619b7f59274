"""`/partner actions` and `/partner action done N`."""

from __future__ import annotations

from slack_bolt import App

from bot.actions import service as actions
from bot.actions.blocks import action_closed_text, action_done_reply, actions_list
from bot.partnerships import service as partnerships
from bot.workdays import local_date
from handlers.people import asked_in
from handlers.router import CommandContext, CommandSet, Reply, number

commands = CommandSet()


@commands.add("actions", summary="open actions with owners and due dates", example="/partner actions")
def listing(ctx: CommandContext) -> Reply:
    rt = ctx.runtime
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        today = local_date(rt.clock.now(), partnership.timezone)
        return Reply(*actions_list(actions.open_actions(session, partnership), today))


@commands.add(
    "action done", number(), summary="close an action (its owner or a lead)", example="/partner action done 4"
)
def done(ctx: CommandContext, action_number: int) -> None:
    with asked_in(ctx) as (session, partnership, asker):
        found = actions.find_action(session, partnership, action_number)
        actions.move(session, found, asker, "done", ctx.runtime.clock.now())
        text, channel = action_closed_text(ctx.user_id, found), partnership.channel_id
    ctx.ack(Reply(action_done_reply(found)))
    ctx.runtime.gateway.post_message(channel=channel, text=text)


def register(app: App) -> None:
    """Actions have no buttons or forms of their own yet: everything is a subcommand."""
