"""Listeners for setup, help, status, members, sides, roles, the charter and the card's buttons."""

from __future__ import annotations

import json
import logging

from slack_bolt import App

from bot.errors import NotSetUp, UserError
from bot.feedback import service as feedback
from bot.partnerships import service as partnerships
from bot.partnerships.blocks import (
    charter_blocks,
    charter_modal,
    help_blocks,
    members_blocks,
    partnership_card,
    setup_modal,
)
from bot.partnerships.models import ROLES, SIDES
from bot.rhythms import service as rhythms
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from bot.slack.text import channel_link, mention
from bot.status import status_blocks
from bot.workdays import work_calendar
from handlers.actors import Actor, actor_of, channel_of, member_for
from handlers.router import CommandContext, HelpEntry, Reply, Router, error_reply, expect_args, parse_mention

log = logging.getLogger(__name__)

SIDE_USAGE = "/partner side @user client|vendor"
ROLE_USAGE = "/partner role @user lead|sponsor|member"


def register(app: App, rt: Runtime, router: Router) -> None:
    def help_(ctx: CommandContext) -> Reply:
        text, blocks = help_blocks([(e.usage, e.summary, e.example) for e in router.help])
        return Reply(text, blocks)

    def setup(ctx: CommandContext) -> None:
        with rt.db.session() as session:
            current = partnerships.find_partnership(session, ctx.channel_id)
            if current is not None:
                actor = member_for(session, current, _actor(ctx), rt.clock.now())
                partnerships.require_lead(actor, "change the partnership's settings")
        ctx.ack()
        rt.gateway.open_view(
            trigger_id=ctx.trigger_id,
            view=setup_modal(channel_id=ctx.channel_id, default_timezone=rt.settings.default_timezone, current=current),
        )

    def status(ctx: CommandContext) -> Reply:
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            return Reply(*status_blocks(session, partnership, rt.clock.now()))

    def members(ctx: CommandContext) -> Reply:
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            return Reply(*members_blocks(partnership, partnerships.members_by_side(partnership)))

    def side(ctx: CommandContext) -> Reply:
        who, value = expect_args(ctx, 2, SIDE_USAGE)
        if value.lower() not in SIDES:  # refused now, before any lookup in Slack
            raise UserError(f"'{value}' is not a side.", usage=SIDE_USAGE)
        return _change_member(ctx, who, SIDE_USAGE, "side", value.lower())

    def role(ctx: CommandContext) -> Reply:
        who, value = expect_args(ctx, 2, ROLE_USAGE)
        if value.lower() not in ROLES:
            raise UserError(f"'{value}' is not a role.", usage=ROLE_USAGE)
        return _change_member(ctx, who, ROLE_USAGE, "role", value.lower())

    def _change_member(ctx: CommandContext, who: str, usage: str, what: str, value: str) -> Reply:
        user_id = parse_mention(who, usage)
        now = rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            actor = member_for(session, partnership, _actor(ctx), now)
            partnerships.require_lead(actor, f"change a member's {what}")
            known = next((m for m in partnership.members if m.user_id == user_id), None)
            if known is None:  # a newcomer's home team needs Slack: answer Slack first, reply when known
                ctx.ack()
            team_id = known.team_id if known else _user_team(user_id)
            change = partnerships.set_side if what == "side" else partnerships.set_role
            member = change(session, partnership, actor, team_id=team_id, user_id=user_id, now=now, **{what: value})
            done = f"now a {value}" if what == "role" else f"now on the {value} side"
            return Reply(f"{mention(member.user_id)} is {done} ({member.side} {member.role}).")

    def _user_team(user_id: str) -> str:
        try:
            return rt.gateway.user_team(user_id)
        except SlackApiError:
            raise UserError(f"I can't find {mention(user_id)} in Slack.") from None

    def charter(ctx: CommandContext) -> Reply:
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            actor = member_for(session, partnership, _actor(ctx), rt.clock.now())
            text, blocks = charter_blocks(
                partnership,
                partnership.charter,
                can_edit=actor.role == "lead",
                last_edit=partnerships.last_charter_edit(session, partnership),
            )
            return Reply(text, blocks)

    router.add("help", help_, HelpEntry("/partner help", "this list", "/partner help"))
    router.add(
        "setup",
        setup,
        HelpEntry(
            "/partner setup", "make this channel a partnership (or change its settings, leads only)", "/partner setup"
        ),
    )
    router.add(
        "status", status, HelpEntry("/partner status", "one-glance summary of the partnership", "/partner status")
    )
    router.add(
        "members", members, HelpEntry("/partner members", "members with their side and role", "/partner members")
    )
    router.add(
        "side",
        side,
        HelpEntry(SIDE_USAGE, "set which company a person belongs to (leads only)", "/partner side @dana vendor"),
    )
    router.add("role", role, HelpEntry(ROLE_USAGE, "set a person's role (leads only)", "/partner role @sam sponsor"))
    router.add(
        "charter", charter, HelpEntry("/partner charter", "show the charter; leads can edit it", "/partner charter")
    )

    @app.view("partnership_setup")
    def on_setup_submitted(ack, body, view):
        settings, errors = partnerships.settings_from_form(state_values(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        channel_id = json.loads(view["private_metadata"])["channel_id"]
        actor = actor_of(body)
        try:
            save_setup(rt, channel_id, actor, settings)
        except UserError as error:
            rt.gateway.post_message(channel=actor.user_id, text=error_reply(error).text)
        except SlackApiError as exc:
            reason = exc.response.get("error")
            log.warning("setup in %s failed: %s", channel_id, reason)
            rt.gateway.post_message(
                channel=actor.user_id,
                text=f"I couldn't post the partnership card in {channel_link(channel_id)} ({reason}), so nothing "
                "was set up. Invite me with `/invite @partnerbot`, then run `/partner setup` again.",
            )

    @app.action("charter_edit")
    def on_charter_edit(ack, body):
        ack()
        actor, channel_id = actor_of(body), body["actions"][0]["value"]
        try:
            with rt.db.session() as session:
                partnership = partnerships.require_partnership(session, channel_id)
                partnerships.require_lead(member_for(session, partnership, actor, rt.clock.now()), "edit the charter")
                view = charter_modal(partnership, partnership.charter)
        except UserError as error:
            rt.gateway.respond(body["response_url"], text=error_reply(error).text)
            return
        rt.gateway.open_view(trigger_id=body["trigger_id"], view=view)

    @app.view("charter_edit")
    def on_charter_submitted(ack, body, view):
        fields, errors = partnerships.charter_from_form(state_values(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        channel_id = json.loads(view["private_metadata"])["channel_id"]
        actor = actor_of(body)
        now = rt.clock.now()
        try:
            with rt.db.session() as session:
                partnership = partnerships.require_partnership(session, channel_id)
                edit = partnerships.edit_charter(
                    session, partnership, member_for(session, partnership, actor, now), fields, now
                )
        except UserError as error:
            ack(response_action="errors", errors={"client_decisions": error.message})
            return
        ack()
        if edit is not None:
            changed = ", ".join(name.replace("_", " ") for name in edit.changes)
            rt.gateway.post_message(
                channel=channel_id,
                text=f"{mention(actor.user_id)} edited the charter: {changed}. `/partner charter` shows it.",
            )

    @app.action("card_status")
    def on_card_status(ack, body):
        ack()
        with rt.db.session() as session:
            partnership = partnerships.find_partnership(session, channel_of(body))
            if partnership is None:
                text, blocks = error_reply(NotSetUp()).text, None
            else:
                member_for(session, partnership, actor_of(body), rt.clock.now())
                text, blocks = status_blocks(session, partnership, rt.clock.now())
        rt.gateway.respond(body["response_url"], text=text, blocks=blocks)


def _actor(ctx: CommandContext) -> Actor:
    return Actor(user_id=ctx.user_id, team_id=ctx.team_id)


def save_setup(rt: Runtime, channel_id: str, actor: Actor, settings: partnerships.PartnershipSettings) -> None:
    """Create the partnership (or change its settings) and show it on the pinned card."""
    now = rt.clock.now()
    with rt.db.session() as session:
        partnership = partnerships.find_partnership(session, channel_id)
        if partnership is not None:
            partnerships.update_settings(session, partnership, member_for(session, partnership, actor, now), settings)
            rhythms.reschedule(session, partnership, work_calendar(session, partnership), now)
            feedback.reschedule(session, partnership, now)
            text, blocks = partnership_card(partnership)
            if partnership.card_ts:
                rt.gateway.update_message(channel=channel_id, ts=partnership.card_ts, text=text, blocks=blocks)
            return
        partnership = partnerships.create_partnership(
            session,
            channel_id=channel_id,
            settings=settings,
            home_team_id=rt.identity.team_id,
            created_by=actor.user_id,
            now=now,
        )
        text, blocks = partnership_card(partnership)
        # Posting inside the transaction: if Slack refuses, the partnership is rolled back too.
        partnership.card_ts = rt.gateway.post_message(channel=channel_id, text=text, blocks=blocks)
        try:  # the card is posted and works unpinned; a refused pin must not undo the setup
            rt.gateway.pin(channel=channel_id, ts=partnership.card_ts)
        except SlackApiError as exc:
            log.warning("could not pin the card in %s: %s", channel_id, exc.response.get("error"))
        charter_text, charter = charter_blocks(partnership, partnership.charter, can_edit=True, last_edit=None)
        rt.gateway.post_message(channel=channel_id, thread_ts=partnership.card_ts, text=charter_text, blocks=charter)
