"""Listeners for escalations: raise (command, card button), the lifecycle buttons and modals, the list."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.db import inserted_by
from bot.errors import Gone, NotSetUp, UserError
from bot.escalations import service as escalations
from bot.escalations import timeline
from bot.escalations.blocks import (
    LIST_PAGE,
    assign_modal,
    duplicate_modal,
    escalation_list,
    escalation_message,
    move_failed_text,
    moved_text,
    not_raised_text,
    raise_modal,
    raised_text,
    recurrence_notice,
    resolve_modal,
    update_modal,
    update_text,
)
from bot.escalations.ids import Action, EscalationState, Form, RaiseState
from bot.escalations.models import Escalation
from bot.governance import service as governance
from bot.numbering import row_id
from bot.partnerships import service as partnerships
from bot.partnerships.ids import Card
from bot.partnerships.models import Partnership
from bot.partnerships.targets import SEVERITIES
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from bot.workdays import work_calendar
from handlers.context import Actor, actor_of, channel_of, runtime
from handlers.people import look_up, member_for
from handlers.replies import button, failure_text, form, open_modal, post_stored, tell_in
from handlers.router import CommandContext, CommandSet, Reply, choice, text

log = logging.getLogger(__name__)

commands = CommandSet()

# Buttons that open a modal first (the move happens on submit) and the state each leads to.
MODAL_MOVES = {
    Action.ASSIGN: ("in_progress", assign_modal),
    Action.RESOLVE: ("resolved", resolve_modal),
    Action.DUPLICATE: ("duplicate", duplicate_modal),
}
# Buttons that move at once.
DIRECT_MOVES = {Action.ACKNOWLEDGE: "acknowledged", Action.CLOSE: "closed", Action.REOPEN: "open"}


@commands.add(
    "escalate",
    text("title", optional=True),
    summary="raise an escalation (same as /escalate)",
    example="/partner escalate Missed SLA on tier-2 tickets",
)
def escalate(ctx: CommandContext, title: str) -> None:
    with ctx.runtime.db.session() as session:
        partnerships.require_partnership(session, ctx.channel_id)
    ctx.ack()
    ctx.runtime.gateway.open_view(trigger_id=ctx.trigger_id, view=raise_modal(ctx.channel_id, title))


@commands.add(
    "escalations",
    choice("open", "all", what="filter", optional=True),
    choice(*SEVERITIES, what="severity", optional=True),
    summary="escalations, newest first",
    example="/partner escalations all P1",
)
def listing(ctx: CommandContext, which: str | None, severity: str | None) -> Reply:
    only_open = which != "all"
    severity = severity.upper() if severity else None
    with ctx.runtime.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        page = escalations.list_escalations(
            session, partnership, only_open=only_open, severity=severity, size=LIST_PAGE
        )
        return Reply(*escalation_list(page, ctx.runtime.clock.now(), only_open=only_open, severity=severity))


def on_card_raise(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        partnerships.require_partnership(session, channel_of(body))
        return raise_modal(channel_of(body))

    open_modal(rt, body, build)


def on_raise_submitted(ack, body, view, context):
    rt = runtime(context)
    form, errors = escalations.parse_form(escalations.EscalationForm, state_values(view))
    channel_id, actor, now = RaiseState.of(view).channel_id, actor_of(body), rt.clock.now()
    with rt.db.session() as session:
        if partnerships.find_partnership(session, channel_id) is None:
            errors = {"title": NotSetUp().message}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, channel_id)
            raised = escalations.raise_escalation(
                session,
                partnership,
                member_for(session, partnership, actor, now),
                form,
                work_calendar(session, partnership),
                now,
            )
            escalation = raised.escalation
            text, blocks = escalation_message(partnership, escalation, now)
            notice = None
            if raised.action is not None:
                notice = recurrence_notice(
                    partnership,
                    escalation.category,
                    [e.number for e in raised.recurring],
                    [m.user_id for m in partnerships.leads(partnership)],
                    raised.action.number,
                    raised.action.due_date.isoformat(),
                )
            number, escalation_id, inserted = escalation.number, escalation.id, inserted_by(session)
        ts = post_stored(rt, inserted, channel=channel_id, text=text, blocks=blocks)
        with rt.db.session() as session:
            session.get(Escalation, escalation_id).message_ts = ts
    except (UserError, SlackApiError) as exc:
        log.warning("escalation not raised in %s: %s", channel_id, exc)
        tell_in(rt, channel_id, actor.user_id, not_raised_text(failure_text(exc)))
        return
    rt.gateway.post_ephemeral(channel=channel_id, user=actor.user_id, text=raised_text(number))
    if notice:
        rt.gateway.post_message(channel=channel_id, text=notice)


def load(session, escalation_id: int) -> tuple[Escalation, Partnership]:
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise Gone("escalation")
    return escalation, escalation.partnership


def on_modal_button(rt: Runtime, body: dict, action: dict) -> None:
    to, build_view = MODAL_MOVES[action["action_id"]]

    def build(session):
        escalation, partnership = load(session, row_id(action["value"]))
        escalations.check_move(escalation, member_for(session, partnership, actor_of(body), rt.clock.now()), to)
        return build_view(escalation)

    open_modal(rt, body, build)


def on_update_button(rt: Runtime, body: dict, action: dict) -> None:
    open_modal(rt, body, lambda session: update_modal(load(session, row_id(action["value"]))[0]))


def on_direct_button(rt: Runtime, body: dict, action: dict) -> None:
    move(rt, row_id(action["value"]), actor_of(body), DIRECT_MOVES[action["action_id"]])


def modal_move(rt: Runtime, ack, view, body, to: str, **kwargs) -> None:
    """Check the move before answering Slack (a refusal shows in the modal and changes nothing); then
    answer, and make the move with its Slack calls after, telling the person if it fails after all."""
    escalation_id, actor = EscalationState.of(view).escalation_id, actor_of(body)
    try:
        with rt.db.session() as session:
            escalation, partnership = load(session, escalation_id)
            escalations.check_move(escalation, member_for(session, partnership, actor, rt.clock.now()), to)
            if "duplicate_number" in kwargs:
                escalations.check_duplicate(
                    escalation,
                    escalations.find_escalation(session, partnership, kwargs["duplicate_number"].strip()),
                )
            channel = partnership.channel_id
    except UserError as error:
        ack(response_action="errors", errors={next(iter(view["state"]["values"])): error.message})
        return
    ack()
    try:
        move(rt, escalation_id, actor, to, **kwargs)
    except (UserError, SlackApiError) as exc:
        tell_in(rt, channel, actor.user_id, move_failed_text(failure_text(exc)))


def on_assign_submitted(ack, body, view, context):
    values = state_values(view)
    note = (values.get("note") or "").strip()
    modal_move(runtime(context), ack, view, body, "in_progress", owner_user=values["owner"], note=note)


def on_resolve_submitted(ack, body, view, context):
    form, errors = escalations.parse_form(escalations.ResolveForm, state_values(view))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    modal_move(runtime(context), ack, view, body, "resolved", resolution=form)


def on_duplicate_submitted(ack, body, view, context):
    number = state_values(view)["duplicate_of"] or ""
    modal_move(runtime(context), ack, view, body, "duplicate", duplicate_number=number)


def on_update_submitted(ack, body, view, context):
    rt = runtime(context)
    text = (state_values(view).get("text") or "").strip()
    if not text:
        ack(response_action="errors", errors={"text": "Write the update."})
        return
    escalation_id = EscalationState.of(view).escalation_id
    ack()
    actor, now = actor_of(body), rt.clock.now()
    with rt.db.session() as session:
        escalation, partnership = load(session, escalation_id)
        member_for(session, partnership, actor, now)
        timeline.add_update(session, escalation, team_id=actor.team_id, user_id=actor.user_id, text=text, now=now)
        channel, thread = partnership.channel_id, escalation.message_ts
    rt.gateway.post_message(channel=channel, thread_ts=thread, text=update_text(actor.user_id, text))


def move(
    rt: Runtime,
    escalation_id: int,
    actor: Actor,
    to: str,
    *,
    note: str = "",
    owner_user: str | None = None,
    resolution=None,
    duplicate_number: str | None = None,
) -> None:
    """Move an escalation, then show the new state on its message and in its thread."""
    now = rt.clock.now()
    owner = look_up(rt, [owner_user]).get(owner_user) if owner_user else None
    with rt.db.session() as session:
        escalation, partnership = load(session, escalation_id)
        member = member_for(session, partnership, actor, now)
        duplicate_of = (
            escalations.find_escalation(session, partnership, duplicate_number.strip())
            if duplicate_number is not None
            else None
        )
        escalations.move(
            session,
            escalation,
            member,
            to,
            now,
            note=note,
            owner=member_for(session, partnership, owner, now) if owner else None,
            resolution=resolution,
            duplicate_of=duplicate_of,
            calendar=work_calendar(session, partnership),
            council=governance.is_council(session, partnership, member),
        )
        text, blocks = escalation_message(partnership, escalation, now)
        channel, ts = partnership.channel_id, escalation.message_ts
        told = moved_text(actor.user_id, escalation, to, owner_user, note)
    rt.gateway.update_message(channel=channel, ts=ts, text=text, blocks=blocks)
    rt.gateway.post_message(channel=channel, thread_ts=ts, text=told)


def on_thread_reply(rt: Runtime, channel_id: str, thread_ts: str, ts: str, text: str, actor: Actor) -> bool:
    """A reply under an escalation is part of its timeline. False when the thread is not an escalation's."""
    now = rt.clock.now()
    with rt.db.session() as session:
        escalation = partnerships.find_by_thread(session, Escalation, channel_id, thread_ts)
        if escalation is None:
            return False
        timeline.add_update(
            session, escalation, team_id=actor.team_id, user_id=actor.user_id, text=text, now=now, message_ts=ts
        )
    return True


def on_thread_edit(rt: Runtime, channel_id: str, thread_ts: str, ts: str, text: str, author: str) -> bool:
    """An edited reply under an escalation: its timeline entry says what the reply says now."""
    with rt.db.session() as session:
        escalation = partnerships.find_by_thread(session, Escalation, channel_id, thread_ts)
        return escalation is not None and timeline.edit_update(session, escalation, ts, text)


def on_thread_delete(rt: Runtime, channel_id: str, thread_ts: str, ts: str) -> bool:
    """A reply deleted from under an escalation leaves its timeline."""
    with rt.db.session() as session:
        escalation = partnerships.find_by_thread(session, Escalation, channel_id, thread_ts)
        return escalation is not None and timeline.withdraw_update(session, escalation, ts)


def register(app: App) -> None:
    app.action(Card.RAISE_ESCALATION)(button(on_card_raise))
    app.view(Form.RAISE)(form(on_raise_submitted))
    for action_id in MODAL_MOVES:
        app.action(action_id)(button(on_modal_button))
    app.action(Action.UPDATE)(button(on_update_button))
    for action_id in DIRECT_MOVES:
        app.action(action_id)(button(on_direct_button))
    app.view(Form.ASSIGN)(form(on_assign_submitted))
    app.view(Form.RESOLVE)(form(on_resolve_submitted))
    app.view(Form.DUPLICATE)(form(on_duplicate_submitted))
    app.view(Form.UPDATE)(form(on_update_submitted))
