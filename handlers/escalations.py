"""Listeners for escalations: raise (command, card button), the lifecycle buttons and modals, the list."""

from __future__ import annotations

import json
import logging

from slack_bolt import App

from bot.errors import NotSetUp, UserError
from bot.escalations import service as escalations
from bot.escalations.blocks import (
    assign_modal,
    duplicate_modal,
    escalation_list,
    escalation_message,
    raise_modal,
    recurrence_notice,
    resolve_modal,
    update_modal,
)
from bot.escalations.lifecycle import STATES
from bot.escalations.models import Escalation
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from bot.slack.text import escape, mention
from bot.workdays import work_calendar
from handlers.actors import Actor, actor_of, failure_text, member_for, tell_actor
from handlers.card import open_form_from_card
from handlers.router import CommandContext, HelpEntry, Reply, Router, error_reply

log = logging.getLogger(__name__)

# Buttons that open a modal first (the move happens on submit) and the state each leads to.
MODAL_MOVES = {
    "esc_assign": ("in_progress", assign_modal),
    "esc_resolve": ("resolved", resolve_modal),
    "esc_duplicate": ("duplicate", duplicate_modal),
}
# Buttons that move at once.
DIRECT_MOVES = {"esc_acknowledge": "acknowledged", "esc_close": "closed", "esc_reopen": "open"}


def register(app: App, rt: Runtime, router: Router) -> None:
    def escalate(ctx: CommandContext) -> None:
        with rt.db.session() as session:
            partnerships.require_partnership(session, ctx.channel_id)
        ctx.ack()
        rt.gateway.open_view(trigger_id=ctx.trigger_id, view=raise_modal(ctx.channel_id, ctx.rest))

    def listing(ctx: CommandContext) -> Reply:
        only_open, severity = escalations.parse_filters(ctx.args)
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            found = escalations.list_escalations(session, partnership, only_open=only_open, severity=severity)
            return Reply(*escalation_list(found, rt.clock.now(), only_open=only_open, severity=severity))

    router.add(
        "escalate",
        escalate,
        HelpEntry(
            "/partner escalate [title]",
            "raise an escalation (same as /escalate)",
            "/partner escalate Missed SLA on tier-2 tickets",
        ),
    )
    router.add(
        "escalations",
        listing,
        HelpEntry(escalations.LIST_USAGE, "escalations, newest first", "/partner escalations all P1"),
    )

    @app.action("card_raise_escalation")
    def on_card_raise(ack, body):
        ack()
        open_form_from_card(rt, body, raise_modal)

    @app.view("escalation_raise")
    def on_raise_submitted(ack, body, view):
        form, errors = escalations.parse_form(escalations.EscalationForm, state_values(view))
        channel_id, actor, now = json.loads(view["private_metadata"])["channel_id"], actor_of(body), rt.clock.now()
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
                # Posted inside the transaction: if Slack refuses, nothing is stored.
                escalation.message_ts = rt.gateway.post_message(channel=channel_id, text=text, blocks=blocks)
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
                number = escalation.number
        except (UserError, SlackApiError) as exc:
            log.warning("escalation not raised in %s: %s", channel_id, exc)
            tell_actor(
                rt,
                channel_id,
                actor,
                f":warning: Your escalation could not be posted ({failure_text(exc)}), so "
                "it was not raised. Invite me with `/invite @partnerbot` and try again.",
            )
            return
        rt.gateway.post_ephemeral(
            channel=channel_id, user=actor.user_id, text=f"Escalation #{number} is raised; its thread is the timeline."
        )
        if notice:
            rt.gateway.post_message(channel=channel_id, text=notice)

    def load(session, escalation_id: int) -> tuple[Escalation, Partnership]:
        escalation = session.get(Escalation, escalation_id)
        return escalation, escalation.partnership

    def on_modal_button(ack, body, action):
        ack()
        to, build = MODAL_MOVES[action["action_id"]]
        try:
            with rt.db.session() as session:
                escalation, partnership = load(session, int(action["value"]))
                escalations.check_move(escalation, member_for(session, partnership, actor_of(body), rt.clock.now()), to)
                view = build(escalation)
        except UserError as error:
            rt.gateway.respond(body["response_url"], text=error_reply(error).text)
            return
        rt.gateway.open_view(trigger_id=body["trigger_id"], view=view)

    for action_id in MODAL_MOVES:
        app.action(action_id)(on_modal_button)

    @app.action("esc_update")
    def on_update_button(ack, body, action):
        ack()
        with rt.db.session() as session:
            view = update_modal(session.get(Escalation, int(action["value"])))
        rt.gateway.open_view(trigger_id=body["trigger_id"], view=view)

    def on_direct_button(ack, body, action):
        ack()
        try:
            move(rt, int(action["value"]), actor_of(body), DIRECT_MOVES[action["action_id"]])
        except UserError as error:
            rt.gateway.respond(body["response_url"], text=error_reply(error).text)
        except SlackApiError as exc:
            rt.gateway.respond(body["response_url"], text=f":warning: That did not go through: {failure_text(exc)}")

    for action_id in DIRECT_MOVES:
        app.action(action_id)(on_direct_button)

    def modal_move(ack, view, body, to: str, **kwargs) -> None:
        """Check the move before answering Slack (a refusal shows in the modal and changes nothing); then
        answer, and make the move with its Slack calls after, telling the person if it fails after all."""
        escalation_id, actor = json.loads(view["private_metadata"])["escalation_id"], actor_of(body)
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
            tell_actor(rt, channel, actor, f":warning: That did not go through: {failure_text(exc)}")

    @app.view("esc_assign")
    def on_assign_submitted(ack, body, view):
        values = state_values(view)
        modal_move(ack, view, body, "in_progress", owner_user=values["owner"], note=(values.get("note") or "").strip())

    @app.view("esc_resolve")
    def on_resolve_submitted(ack, body, view):
        form, errors = escalations.parse_form(escalations.ResolveForm, state_values(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        modal_move(ack, view, body, "resolved", resolution=form)

    @app.view("esc_duplicate")
    def on_duplicate_submitted(ack, body, view):
        modal_move(ack, view, body, "duplicate", duplicate_number=state_values(view)["duplicate_of"] or "")

    @app.view("esc_update")
    def on_update_submitted(ack, body, view):
        text = (state_values(view).get("text") or "").strip()
        if not text:
            ack(response_action="errors", errors={"text": "Write the update."})
            return
        ack()
        actor, now = actor_of(body), rt.clock.now()
        with rt.db.session() as session:
            escalation, partnership = load(session, json.loads(view["private_metadata"])["escalation_id"])
            member_for(session, partnership, actor, now)
            escalations.add_update(
                session, escalation, team_id=actor.team_id, user_id=actor.user_id, text=text, now=now
            )
            channel, thread = partnership.channel_id, escalation.message_ts
        rt.gateway.post_message(
            channel=channel, thread_ts=thread, text=f"Update from {mention(actor.user_id)}:\n{escape(text)}"
        )


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
    owner_team = None
    if owner_user:
        with rt.db.session() as session:
            escalation = session.get(Escalation, escalation_id)
            partnership = escalation.partnership
            known = next((m for m in partnership.members if m.user_id == owner_user), None)
        owner_team = known.team_id if known else rt.gateway.user_team(owner_user)
    with rt.db.session() as session:
        escalation = session.get(Escalation, escalation_id)
        partnership = escalation.partnership
        member = member_for(session, partnership, actor, now)
        owner = (
            partnerships.ensure_member(session, partnership, team_id=owner_team, user_id=owner_user, now=now)
            if owner_user
            else None
        )
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
            owner=owner,
            resolution=resolution,
            duplicate_of=duplicate_of,
            calendar=work_calendar(session, partnership),
        )
        text, blocks = escalation_message(partnership, escalation, now)
        channel, ts = partnership.channel_id, escalation.message_ts
        told = (
            f"{mention(actor.user_id)} moved #{escalation.number} to *{STATES[to].lower()}*"
            + (f": {mention(owner_user)} owns it" if owner_user else "")
            + (f" — {escape(note)}" if note else "")
        )
    rt.gateway.update_message(channel=channel, ts=ts, text=text, blocks=blocks)
    rt.gateway.post_message(channel=channel, thread_ts=ts, text=told)


def on_thread_reply(rt: Runtime, channel_id: str, thread_ts: str, ts: str, text: str, actor: Actor) -> bool:
    """A reply under an escalation is part of its timeline. False when the thread is not an escalation's."""
    now = rt.clock.now()
    with rt.db.session() as session:
        escalation = partnerships.find_by_thread(session, Escalation, channel_id, thread_ts)
        if escalation is None:
            return False
        escalations.add_update(
            session, escalation, team_id=actor.team_id, user_id=actor.user_id, text=text, now=now, message_ts=ts
        )
    return True
