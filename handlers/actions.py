"""`/partner actions` and `/partner action done N`."""

from __future__ import annotations

from slack_bolt import App

from bot.actions import service as actions
from bot.actions.blocks import actions_list
from bot.errors import UserError
from bot.partnerships import service as partnerships
from bot.runtime import Runtime
from bot.slack.text import escape, mention
from bot.workdays import local_date
from handlers.actors import Actor, member_for
from handlers.router import CommandContext, HelpEntry, Reply, Router


def register(app: App, rt: Runtime, router: Router) -> None:
    def listing(ctx: CommandContext) -> Reply:
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            today = local_date(rt.clock.now(), partnership.timezone)
            return Reply(*actions_list(actions.open_actions(session, partnership), today))

    def action(ctx: CommandContext) -> Reply | None:
        if len(ctx.args) != 2 or ctx.args[0].lower() != "done":
            raise UserError("Say which action is done.", usage=actions.ACTION_USAGE)
        now = rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            found = actions.find_action(session, partnership, ctx.args[1])
            actions.move(
                session, found, member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), now), "done", now
            )
            text = f":white_check_mark: {mention(ctx.user_id)} closed action {found.number}: {escape(found.title)}"
            channel = partnership.channel_id
        ctx.ack(Reply(f"Action {found.number} is done."))
        rt.gateway.post_message(channel=channel, text=text)
        return None

    router.add(
        "actions", listing, HelpEntry("/partner actions", "open actions with owners and due dates", "/partner actions")
    )
    router.add(
        "action",
        action,
        HelpEntry(actions.ACTION_USAGE, "close an action (its owner or a lead)", "/partner action done 4"),
    )
