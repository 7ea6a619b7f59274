"""Listeners for decisions: share (command, card button), the answer buttons and their forms, the list."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.db import inserted_by
from bot.decisions import service as decisions
from bot.decisions.blocks import (
    amend_modal,
    decision_list,
    decision_message,
    escalation_title,
    move_text,
    not_shared_text,
    reason_modal,
    share_modal,
    shared_text,
)
from bot.decisions.ids import Action, DecisionState, Form, ShareState
from bot.decisions.models import Decision
from bot.errors import NotALead, NotSetUp, UserError
from bot.escalations.blocks import raise_modal
from bot.numbering import row_id
from bot.partnerships import service as partnerships
from bot.partnerships.ids import Card
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from bot.workdays import work_calendar
from handlers.context import Actor, actor_of, channel_of, runtime
from handlers.people import member_for
from handlers.replies import button, failure_text, form, open_modal, post_stored, tell_in
from handlers.router import CommandContext, CommandSet, Reply, choice, text

log = logging.getLogger(__name__)

commands = CommandSet()

DIRECT = {Action.ALIGNED: "aligned", Action.AGREE: "agreed", Action.WITHDRAW: "withdrawn", Action.REFER: "referred"}
WITH_REASON = {Action.NOT_ALIGNED: "objected", Action.DECLINE: "declined"}


def _share_view(session, channel_id: str, actor: Actor, what: str = "") -> dict:
    """The share form for `actor`, showing what their side may decide alone (a read: no member is added yet)."""
    partnership = partnerships.require_partnership(session, channel_id)
    member = partnerships.find_member(session, partnership, actor.team_id, actor.user_id)
    side = member.side if member else partnership.side_of_team(actor.team_id)
    return share_modal(partnership, channel_id, side, decisions.scope_text(partnership, side), what)


@commands.add(
    "decision",
    text("what we're doing", optional=True),
    summary="share a decision with an objection window (\"here's what we're doing\")",
    example="/partner decision Move weekend cover to the Manila team from March",
)
def share(ctx: CommandContext, what: str) -> None:
    with ctx.runtime.db.session() as session:
        view = _share_view(session, ctx.channel_id, Actor(ctx.user_id, ctx.team_id), what)
    ctx.ack()
    ctx.runtime.gateway.open_view(trigger_id=ctx.trigger_id, view=view)


@commands.add(
    "decisions",
    choice("open", "all", what="filter", optional=True),
    summary="decisions shared in this partnership, newest first",
    example="/partner decisions all",
)
def listing(ctx: CommandContext, which: str | None) -> Reply:
    only_open = which != "all"
    with ctx.runtime.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        return Reply(
            *decision_list(decisions.list_decisions(session, partnership, only_open=only_open), only_open=only_open)
        )


def on_card_share(rt: Runtime, body: dict, action: dict) -> None:
    open_modal(rt, body, lambda session: _share_view(session, channel_of(body), actor_of(body)))


def on_share_submitted(ack, body, view, context):
    rt = runtime(context)
    form, errors = decisions.parse_form(decisions.DecisionForm, state_values(view))
    channel_id, actor, now = ShareState.of(view).channel_id, actor_of(body), rt.clock.now()
    with rt.db.session() as session:
        if partnerships.find_partnership(session, channel_id) is None:
            errors = {"what": NotSetUp().message}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, channel_id)
            decision = decisions.share_decision(
                session,
                partnership,
                member_for(session, partnership, actor, now),
                form,
                work_calendar(session, partnership),
                now,
            )
            text_, blocks = decision_message(partnership, decision)
            number, decision_id, inserted = decision.number, decision.id, inserted_by(session)
        ts = post_stored(rt, inserted, channel=channel_id, text=text_, blocks=blocks)  # refused: nothing is stored
        with rt.db.session() as session:
            session.get(Decision, decision_id).message_ts = ts
    except (UserError, SlackApiError) as exc:
        log.warning("decision not shared in %s: %s", channel_id, exc)
        tell_in(rt, channel_id, actor.user_id, not_shared_text(failure_text(exc)))
        return
    rt.gateway.post_ephemeral(channel=channel_id, user=actor.user_id, text=shared_text(number))


def load(session, decision_id: int) -> tuple[Decision, Partnership]:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise UserError("That decision no longer exists.")
    return decision, decision.partnership


def show(rt: Runtime, decision_id: int, told: str) -> None:
    """After the change is committed: the message shows the new state, the thread says what happened."""
    with rt.db.session() as session:
        decision, partnership = load(session, decision_id)
        text_, blocks = decision_message(partnership, decision)
        channel, ts = partnership.channel_id, decision.message_ts
    rt.gateway.update_message(channel=channel, ts=ts, text=text_, blocks=blocks)
    rt.gateway.post_message(channel=channel, thread_ts=ts, text=told)


def answer(rt: Runtime, decision_id: int, actor: Actor, event: str, note: str = "") -> None:
    now = rt.clock.now()
    with rt.db.session() as session:
        decision, partnership = load(session, decision_id)
        move = decisions.answer(session, decision, member_for(session, partnership, actor, now), event, now, note=note)
        told = move_text(move, decision)
    show(rt, decision_id, told)


def on_direct_button(rt: Runtime, body: dict, action: dict) -> None:
    answer(rt, row_id(action["value"]), actor_of(body), DIRECT[action["action_id"]])


def on_reason_button(rt: Runtime, body: dict, action: dict) -> None:
    event = WITH_REASON[action["action_id"]]

    def build(session):
        decision, partnership = load(session, row_id(action["value"]))
        decisions.check_event(decision, member_for(session, partnership, actor_of(body), rt.clock.now()), event)
        return reason_modal(decision, event)

    open_modal(rt, body, build)


def on_amend_button(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        decision, partnership = load(session, row_id(action["value"]))
        decisions.check_event(decision, member_for(session, partnership, actor_of(body), rt.clock.now()), "amended")
        return amend_modal(decision)

    open_modal(rt, body, build)


def on_escalate_button(rt: Runtime, body: dict, action: dict) -> None:
    """A lead raises an objected decision as an escalation: the escalation form, its title filled in."""

    def build(session):
        decision, partnership = load(session, row_id(action["value"]))
        if member_for(session, partnership, actor_of(body), rt.clock.now()).role != "lead":
            raise NotALead("raise a decision as an escalation")
        return raise_modal(partnership.channel_id, escalation_title(decision))

    open_modal(rt, body, build)


def _checked(rt: Runtime, ack, view, body, event: str) -> str | None:
    """Check the move before answering Slack (a refusal shows in the form and changes nothing); the channel."""
    state = DecisionState.of(view)
    try:
        with rt.db.session() as session:
            decision, partnership = load(session, state.decision_id)
            decisions.check_event(decision, member_for(session, partnership, actor_of(body), rt.clock.now()), event)
            return partnership.channel_id
    except UserError as error:
        ack(response_action="errors", errors={next(iter(view["state"]["values"])): error.message})
        return None


def on_reason_submitted(ack, body, view, context):
    rt, state = runtime(context), DecisionState.of(view)
    note = (state_values(view).get("note") or "").strip()
    if state.event not in WITH_REASON.values():
        raise UserError("That form is out of date or was changed; open it again.")
    if not note:
        ack(response_action="errors", errors={"note": "Say why."})
        return
    channel = _checked(rt, ack, view, body, state.event)
    if channel is None:
        return
    ack()
    try:
        answer(rt, state.decision_id, actor_of(body), state.event, note)
    except (UserError, SlackApiError) as exc:
        tell_in(rt, channel, actor_of(body).user_id, f":warning: That did not go through: {failure_text(exc)}")


def on_amend_submitted(ack, body, view, context):
    rt, state = runtime(context), DecisionState.of(view)
    form, errors = decisions.parse_form(decisions.AmendForm, state_values(view))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    channel = _checked(rt, ack, view, body, "amended")
    if channel is None:
        return
    ack()
    actor, now = actor_of(body), rt.clock.now()
    try:
        with rt.db.session() as session:
            decision, partnership = load(session, state.decision_id)
            move = decisions.amend(
                session,
                decision,
                member_for(session, partnership, actor, now),
                form,
                work_calendar(session, partnership),
                now,
            )
            told = move_text(move, decision)
        show(rt, state.decision_id, told)
    except (UserError, SlackApiError) as exc:
        tell_in(rt, channel, actor.user_id, f":warning: That did not go through: {failure_text(exc)}")


def register(app: App) -> None:
    app.action(Card.SHARE_DECISION)(button(on_card_share))
    app.view(Form.SHARE)(form(on_share_submitted))
    for action_id in DIRECT:
        app.action(action_id)(button(on_direct_button))
    for action_id in WITH_REASON:
        app.action(action_id)(button(on_reason_button))
    app.action(Action.AMEND)(button(on_amend_button))
    app.action(Action.ESCALATE)(button(on_escalate_button))
    app.view(Form.REASON)(form(on_reason_submitted))
    app.view(Form.AMEND)(form(on_amend_submitted))
