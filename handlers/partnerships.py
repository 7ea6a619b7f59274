"""Listeners for setup, status, members, sides, roles, the charter and the card's Status button."""

from __future__ import annotations

import logging
import re

from slack_bolt import App

from bot.db import inserted_by
from bot.errors import UserError
from bot.feedback import cycles
from bot.partnerships import service as partnerships
from bot.partnerships.blocks import (
    charter_blocks,
    charter_edited_text,
    charter_modal,
    governance_channel_refused,
    member_changed_text,
    members_blocks,
    partnership_card,
    setup_failed_text,
    setup_modal,
    team_assigned_text,
)
from bot.partnerships.ids import Action, Card, CharterState, Form, SetupState
from bot.partnerships.models import ROLES, SIDES, Partnership
from bot.rhythms import service as rhythms
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from bot.slack.rosters import channel_roster
from bot.status import channel_status, status_blocks
from bot.workdays import work_calendar
from handlers.context import Actor, actor_of, channel_of, runtime
from handlers.people import asked_in, learn_people, look_up, member_for
from handlers.replies import answer_for, button, form, open_modal, post_stored, tell
from handlers.router import CommandContext, CommandSet, Reply, choice, person, word

log = logging.getLogger(__name__)

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

commands = CommandSet()


def _actor(ctx: CommandContext) -> Actor:
    return Actor(user_id=ctx.user_id, team_id=ctx.team_id)


@commands.add(
    "setup",
    summary="make this channel a partnership (or change its settings, leads only)",
    example="/partner setup",
)
def setup(ctx: CommandContext) -> None:
    rt = ctx.runtime
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


@commands.add("status", summary="one-glance summary of the partnership", example="/partner status", inline=True)
def status(ctx: CommandContext) -> Reply:
    rt = ctx.runtime
    return Reply(*channel_status(rt.db, ctx.channel_id, rt.clock.now()))  # reads only, in one snapshot


@commands.add("members", summary="everyone in the channel with their side and role", example="/partner members")
def members(ctx: CommandContext) -> Reply:
    rt = ctx.runtime
    with rt.db.read() as session:
        known = {m.user_id for m in partnerships.require_partnership(session, ctx.channel_id).members}
    in_channel = channel_roster(rt, ctx.channel_id)
    if in_channel and in_channel - known - {rt.identity.user_id}:
        ctx.ack()  # newcomers are looked up in Slack (bots left out) first: answer Slack, then reply
        learn_people(rt, ctx.channel_id, sorted(in_channel))
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        by_side = partnerships.members_by_side(partnership)
        if in_channel is not None:  # people who left the channel are not listed (their history stays)
            by_side = {side: [m for m in people if m.user_id in in_channel] for side, people in by_side.items()}
        return Reply(*members_blocks(partnership, by_side))


@commands.add(
    "team assign",
    word("TEAM_ID|@user", missing="Say which team: its id (T0123ABCD) or @someone of it."),
    choice(*SIDES, what="side"),
    summary="say which company a further organisation in the channel belongs to (leads only)",
    example="/partner team assign T0123ABCD vendor",
)
def team_assign(ctx: CommandContext, team: str, side: str) -> Reply:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with asked_in(ctx) as (session, partnership, actor):  # refused before any look-up when not a lead
        partnerships.require_lead(actor, "say which company a team belongs to")
    user_id = MENTION.fullmatch(team)
    if user_id:  # someone of that team: Slack says which team is theirs
        ctx.ack()
        team = look_up(rt, [user_id.group(1)])[user_id.group(1)].team_id
    with asked_in(ctx) as (session, partnership, actor):
        people = partnerships.assign_team(session, partnership, actor, team_id=team, side=side, now=now)
        return Reply(team_assigned_text(partnership, team, side, people))


@commands.add(
    "side",
    person(),
    choice(*SIDES, what="side"),
    summary="set which company a person belongs to (leads only)",
    example="/partner side @dana vendor",
)
def side(ctx: CommandContext, user_id: str, value: str) -> Reply:
    return _change_member(ctx, user_id, "side", value)


@commands.add(
    "role",
    person(),
    choice(*ROLES, what="role"),
    summary="set a person's role (leads only)",
    example="/partner role @sam sponsor",
)
def role(ctx: CommandContext, user_id: str, value: str) -> Reply:
    return _change_member(ctx, user_id, "role", value)


def _change_member(ctx: CommandContext, user_id: str, what: str, value: str) -> Reply:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with rt.db.session() as session:  # refused before any look-up in Slack when the asker is not a lead
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        partnerships.require_lead(member_for(session, partnership, _actor(ctx), now), f"change a member's {what}")
        known = any(m.user_id == user_id for m in partnership.members)
    if not known:
        ctx.ack()  # a newcomer's home team needs Slack: answer Slack first, reply when known
    target = look_up(rt, [user_id])[user_id]
    with asked_in(ctx) as (session, partnership, actor):
        change = partnerships.set_side if what == "side" else partnerships.set_role
        member = change(session, partnership, actor, team_id=target.team_id, user_id=user_id, now=now, **{what: value})
        return Reply(member_changed_text(member, what, value))


@commands.add("charter", summary="show the charter; leads can edit it", example="/partner charter")
def charter(ctx: CommandContext) -> Reply:
    with asked_in(ctx) as (session, partnership, actor):
        return Reply(
            *charter_blocks(
                partnership,
                partnership.charter,
                can_edit=actor.role == "lead",
                last_edit=partnerships.last_charter_edit(session, partnership),
            )
        )


def on_setup_submitted(ack, body, view, context):
    rt = runtime(context)
    settings, errors = partnerships.settings_from_form(state_values(view))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    channel_id = SetupState.of(view).channel_id
    refused = governance_refusal(rt, settings.governance_channel_id)
    if refused:
        ack(response_action="errors", errors={"governance_channel_id": refused})
        return
    ack()
    actor = actor_of(body)
    try:
        save_setup(rt, channel_id, actor, settings)
    except UserError as error:
        rt.gateway.post_message(channel=actor.user_id, text=answer_for(error))
    except SlackApiError as exc:
        log.warning("setup in %s failed: %s", channel_id, exc.response.get("error"))
        rt.gateway.post_message(channel=actor.user_id, text=setup_failed_text(channel_id, exc.response.get("error")))


def governance_refusal(rt: Runtime, channel: str | None) -> str | None:
    """Before the setup form closes: the bot must be able to post in the governance channel. It joins a public
    one (`channels:join`); a private one it was not invited to, or an archived one, is an inline error."""
    if not channel:
        return None
    try:
        rt.gateway.join_channel(channel)
    except SlackApiError as exc:
        log.info("governance channel %s refused: %s", channel, exc.response.get("error"))
        return governance_channel_refused(exc.response.get("error"))
    return None


def on_charter_edit(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        partnership = partnerships.require_partnership(session, action["value"])
        partnerships.require_lead(member_for(session, partnership, actor_of(body), rt.clock.now()), "edit the charter")
        return charter_modal(partnership, partnership.charter)

    open_modal(rt, body, build)


def on_charter_submitted(ack, body, view, context):
    rt = runtime(context)
    fields, errors = partnerships.charter_from_form(state_values(view))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    channel_id, actor, now = CharterState.of(view).channel_id, actor_of(body), rt.clock.now()
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
        rt.gateway.post_message(channel=channel_id, text=charter_edited_text(actor.user_id, edit))


def on_card_status(rt: Runtime, body: dict, action: dict) -> None:
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, channel_of(body))
        member_for(session, partnership, actor_of(body), rt.clock.now())
        text, blocks = status_blocks(session, partnership, rt.clock.now())
    tell(rt, body, text, blocks)


def save_setup(rt: Runtime, channel_id: str, actor: Actor, settings: partnerships.PartnershipSettings) -> None:
    """Create the partnership (or change its settings) and show it on the pinned card."""
    now = rt.clock.now()
    home_team_id = rt.identity.team_id  # asked of Slack (once a process) before the unit of work, not in it
    with rt.db.session() as session:
        partnership = partnerships.find_partnership(session, channel_id)
        if partnership is not None:
            partnerships.update_settings(session, partnership, member_for(session, partnership, actor, now), settings)
            rhythms.reschedule(session, partnership, work_calendar(session, partnership), now)
            cycles.reschedule(session, partnership, now)
            text, blocks = partnership_card(partnership)
            created, card_ts = False, partnership.card_ts
        else:
            partnership = partnerships.create_partnership(
                session,
                channel_id=channel_id,
                settings=settings,
                home_team_id=home_team_id,
                created_by=actor.user_id,
                now=now,
            )
            text, blocks = partnership_card(partnership)
            charter_text, charter = charter_blocks(partnership, partnership.charter, can_edit=True, last_edit=None)
            created, partnership_id, inserted = True, partnership.id, inserted_by(session)
    if not created:
        if card_ts:  # the new settings are committed: the card shows them
            rt.gateway.update_message(channel=channel_id, ts=card_ts, text=text, blocks=blocks)
        return
    card_ts = post_stored(rt, inserted, channel=channel_id, text=text, blocks=blocks)  # refused: nothing set up
    with rt.db.session() as session:
        session.get(Partnership, partnership_id).card_ts = card_ts
    try:  # the card is posted and works unpinned; a refused pin must not undo the setup
        rt.gateway.pin(channel=channel_id, ts=card_ts)
    except SlackApiError as exc:
        log.warning("could not pin the card in %s: %s", channel_id, exc.response.get("error"))
    learn_people(rt, channel_id, channel_roster(rt, channel_id) or ())  # everyone already in the channel
    rt.gateway.post_message(channel=channel_id, thread_ts=card_ts, text=charter_text, blocks=charter)


def register(app: App) -> None:
    app.view(Form.SETUP)(form(on_setup_submitted))
    app.action(Action.EDIT_CHARTER)(button(on_charter_edit))
    app.view(Form.CHARTER)(form(on_charter_submitted))
    app.action(Card.STATUS)(button(on_card_status))
