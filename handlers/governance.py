"""Listeners for governance: health, the council, the digest, referrals, the export, the App Home. The appraisal's
are in handlers/appraisal.py."""

from __future__ import annotations

import logging
import tempfile

from slack_bolt import App
from sqlalchemy import select

from bot.errors import UserError
from bot.escalations import service as escalations
from bot.escalations.ids import Action as EscalationAction
from bot.escalations.ids import EscalationState
from bot.escalations.ids import Form as EscalationForm
from bot.governance import digest as digests
from bot.governance import home as homes
from bot.governance import service as governance
from bot.governance.blocks import (
    council_blocks,
    council_changed_text,
    decision_modal,
    decision_text,
    digest_blocks,
    export_comment,
    export_started_text,
    health_blocks,
    referral_text,
)
from bot.governance.export import write_export
from bot.governance.home_blocks import escalation_modal, home_decision_modal
from bot.governance.ids import Action
from bot.numbering import row_id
from bot.partnerships import service as partnerships
from bot.partnerships.models import Member
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from bot.slack.governance_posts import post_to_governance
from bot.slack.text import mention
from bot.workdays import local_date
from handlers import decisions as decision_handlers
from handlers import escalations as escalation_handlers
from handlers.context import Actor, actor_of, runtime, scheduler
from handlers.people import look_up, member_for
from handlers.replies import button, failure_text, form, open_modal, tell_in
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


@commands.add("digest", summary="the digest of the running period, now, to you", example="/partner digest")
def digest(ctx: CommandContext) -> Reply:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        cadence = partnership.charter.digest_cadence
        since = now - digests.PERIOD_LENGTH.get(cadence, digests.PERIOD_LENGTH["weekly"])
        figures = digests.digest(session, partnership, since, now)
        return Reply(*digest_blocks(partnership, figures, cadence, local_date(now, partnership.timezone)))


@commands.add(
    "export", summary="the partnership's data as a ZIP of CSV files, by DM (leads only)", example="/partner export"
)
def export(ctx: CommandContext) -> Reply | None:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        partnerships.require_lead(member_for(session, partnership, _actor(ctx), now), "export the partnership's data")
    ctx.ack(Reply(export_started_text()))
    with tempfile.TemporaryFile() as out:  # written row by row; streamed to Slack from the file
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            tables = write_export(session, partnership, out)
            comment = export_comment(partnership, len(tables))
            filename = f"partnerbot-export-{partnership.id}-{local_date(now, partnership.timezone).isoformat()}.zip"
        out.flush()
        rt.gateway.upload_file(
            channel=rt.gateway.dm_channel(ctx.user_id),
            filename=filename,
            content=out,
            title=filename,
            initial_comment=comment,
        )
    return None


# -- disputes referred to the council ------------------------------------------------------------------------


def on_refer(rt: Runtime, body: dict, action: dict) -> None:
    """A lead refers an escalation to the council; the governance channel (or the partnership's) is told, with
    the council mentioned there, and council members of the other company in the escalation's thread."""
    escalation_id, actor = row_id(action["value"]), actor_of(body)
    escalation_handlers.move(rt, escalation_id, actor, "referred")
    with rt.db.session() as session:
        escalation, partnership = escalation_handlers.load(session, escalation_id)
        members = governance.council(session, partnership)
        here = [m.user_id for m in members if partnership.governance_channel_id is None or m.is_home]
        away = [m.user_id for m in members if partnership.governance_channel_id and not m.is_home]
        text, blocks = referral_text(partnership, escalation, actor.user_id, here)
        where = partnership.governance_channel_id or partnership.channel_id
        channel, thread = partnership.channel_id, escalation.message_ts
    post_to_governance(rt, channel=where, text=text, blocks=blocks)
    if away:
        rt.gateway.post_message(channel=channel, thread_ts=thread, text=" ".join(mention(u) for u in away) + " " + text)


def _check_decision(rt: Runtime, escalation_id: int, actor: Actor, to: str) -> str:
    """Refuse unless the escalation is referred and the actor sits on the council; the channel to tell."""
    with rt.db.session() as session:
        escalation, partnership = escalation_handlers.load(session, escalation_id)
        member = member_for(session, partnership, actor, rt.clock.now())
        if escalation.state != "referred":
            raise UserError(f"Escalation #{escalation.number} is not waiting for a council decision.")
        escalations.check_move(escalation, member, to, council=governance.is_council(session, partnership, member))
        return partnership.channel_id


def on_decision_button(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        escalation, _ = escalation_handlers.load(session, row_id(action["value"]))
        return decision_modal(escalation)

    _check_decision(rt, row_id(action["value"]), actor_of(body), "closed")
    open_modal(rt, body, build)


def on_decision_submitted(ack, body, view, context):
    rt, values = runtime(context), state_values(view)
    decision, to = (values.get("decision") or "").strip(), values.get("outcome")
    errors, resolution = {}, None
    if not decision:
        errors["decision"] = "Write the council's decision."
    if to not in ("in_progress", "resolved", "closed"):
        errors["outcome"] = "Choose where the escalation goes."
    if to == "in_progress" and not values.get("owner"):
        errors["owner"] = "Choose who owns it from here."
    if to == "resolved":
        fields = {k: values.get(k) for k in ("root_cause_category", "root_cause", "corrective_action")}
        resolution, problems = escalations.parse_form(escalations.ResolveForm, fields)
        errors.update(problems)
    escalation_id, actor = EscalationState.of(view).escalation_id, actor_of(body)
    if not errors:
        try:
            channel = _check_decision(rt, escalation_id, actor, to)
        except UserError as error:
            errors["decision"] = error.message
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        escalation_handlers.move(
            rt,
            escalation_id,
            actor,
            to,
            note=f"council decision: {decision}",
            owner_user=values.get("owner") if to == "in_progress" else None,
            resolution=resolution,
        )
    except (UserError, SlackApiError) as exc:
        tell_in(rt, channel, actor.user_id, f":warning: That did not go through: {failure_text(exc)}")
        return
    with rt.db.session() as session:
        escalation, partnership = escalation_handlers.load(session, escalation_id)
        text = decision_text(partnership, escalation, actor.user_id, to, decision)
        where = partnership.governance_channel_id or partnership.channel_id
    post_to_governance(rt, channel=where, text=text)


# -- the App Home ----------------------------------------------------------------------------------------------


def on_home_opened(event, context):
    """Publish the person's Home when they open the tab (not the Messages tab); through a claimed send."""
    if event.get("tab") != "home":
        return
    rt, user_id = runtime(context), event["user"]
    with rt.db.session() as session:
        known = session.scalar(select(Member.team_id).where(Member.user_id == user_id).limit(1))
    team_id = known or rt.gateway.user_team(user_id)
    now = rt.clock.now()
    with rt.db.session() as session:
        version = homes.opened(
            session, team_id=team_id, user_id=user_id, now=now, key_secret=rt.settings.answer_key_secret()
        )
        homes.owe_publish(session, user_id, version, now)
    scheduler(context).run_due()


def on_open_escalation(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        escalation, partnership = escalation_handlers.load(session, row_id(action["value"]))
        member_for(session, partnership, actor_of(body), rt.clock.now())
        return escalation_modal(partnership, escalation, rt.clock.now())

    open_modal(rt, body, build)


def on_open_decision(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        decision, partnership = decision_handlers.load(session, row_id(action["value"]))
        member_for(session, partnership, actor_of(body), rt.clock.now())
        return home_decision_modal(partnership, decision)

    open_modal(rt, body, build)


def register(app: App) -> None:
    app.event("app_home_opened")(on_home_opened)
    app.action(Action.OPEN_DECISION)(button(on_open_decision))
    app.action(Action.OPEN_ESCALATION)(button(on_open_escalation))
    app.action(EscalationAction.REFER)(button(on_refer))
    app.action(EscalationAction.COUNCIL_DECISION)(button(on_decision_button))
    app.view(EscalationForm.COUNCIL_DECISION)(form(on_decision_submitted))
