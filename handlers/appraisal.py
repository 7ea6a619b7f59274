"""Listeners for the appraisal: the latest and its history, the pre-read run now, the council's forms, the
recorded outcome and the governance rhythm's form."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import UserError
from bot.governance import appraisal as appraisals
from bot.governance import service as governance
from bot.governance.appraisal_blocks import (
    appraisal_history_blocks,
    appraisal_modal,
    appraisal_started_text,
    form_thanks_text,
    record_modal,
    recorded_blocks,
    schedule_changed_text,
    schedule_modal,
    tally_text,
)
from bot.governance.ids import Action, AppraisalState, Form, ScheduleState
from bot.governance.models import Appraisal
from bot.numbering import row_id
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.governance_posts import post_to_governance
from bot.workdays import local_date, work_calendar
from handlers.context import Actor, actor_of, runtime
from handlers.people import ensure_people, look_up, member_for
from handlers.replies import button, form, open_modal, tell_in
from handlers.router import CommandContext, CommandSet, Reply

commands = CommandSet()


def _actor(ctx: CommandContext) -> Actor:
    return Actor(user_id=ctx.user_id, team_id=ctx.team_id)


# -- the appraisal -----------------------------------------------------------------------------------------


@commands.add("appraisal", summary="the latest appraisal and its history", example="/partner appraisal")
def appraisal(ctx: CommandContext) -> Reply:
    with ctx.runtime.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        charter = partnership.charter
        return Reply(
            *appraisal_history_blocks(
                partnership,
                appraisals.history(session, partnership),
                appraisals.next_meeting(session, partnership),
                charter.appraisal_cadence,
            )
        )


@commands.add(
    "appraisal run", summary="post the next appraisal's pre-read now (leads only)", example="/partner appraisal run"
)
def appraisal_run(ctx: CommandContext) -> Reply:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        partnerships.require_lead(member_for(session, partnership, _actor(ctx), now), "run an appraisal")
        calendar = work_calendar(session, partnership)
        running = appraisals.running(session, partnership, local_date(now, partnership.timezone))
        if running is not None:
            raise UserError(
                f"Appraisal #{running.number}'s pre-read is out; the council meets on "
                f"{running.meeting_on.isoformat()}.",
                usage="/partner appraisal record",
            )
        meeting_on = appraisals.next_meeting(session, partnership)
        appraisals.owe_preread(session, partnership, meeting_on, calendar, now)
    ctx.ack(Reply(appraisal_started_text(meeting_on)))
    ctx.scheduler.run_due()
    return None


@commands.add(
    "appraisal record", summary="record the council meeting's outcome (leads only)", example="/partner appraisal record"
)
def appraisal_record(ctx: CommandContext) -> None:
    rt = ctx.runtime
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        partnerships.require_lead(member_for(session, partnership, _actor(ctx), rt.clock.now()), "record an appraisal")
        view = record_modal(appraisals.to_record(session, partnership))
    ctx.ack()
    rt.gateway.open_view(trigger_id=ctx.trigger_id, view=view)


@commands.add(
    "appraisal schedule",
    summary="the appraisal cadence, the next council meeting and the digest (leads only)",
    example="/partner appraisal schedule",
)
def appraisal_schedule(ctx: CommandContext) -> None:
    rt = ctx.runtime
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        partnerships.require_lead(
            member_for(session, partnership, _actor(ctx), rt.clock.now()), "change the governance rhythm"
        )
        view = schedule_modal(ctx.channel_id, governance.settings_of(partnership))
    ctx.ack()
    rt.gateway.open_view(trigger_id=ctx.trigger_id, view=view)


def _load_appraisal(session, appraisal_id: int):
    found = session.get(Appraisal, appraisal_id)
    if found is None:
        raise UserError("That appraisal no longer exists.")
    return found, session.get(Partnership, found.partnership_id)


def on_fill_form(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        appraisal, partnership = _load_appraisal(session, row_id(action["value"]))
        member = member_for(session, partnership, actor_of(body), rt.clock.now())
        governance.require_council(session, partnership, member, "fill the appraisal form")
        appraisals.open_for_answers(appraisal)
        mine = next((a for a in appraisal.answers if a.user_id == member.user_id), None)
        return appraisal_modal(appraisal, mine)

    open_modal(rt, body, build)


def on_form_submitted(ack, body, view, context):
    rt = runtime(context)
    form, errors = appraisals.form_from_values(state_values(view))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    appraisal_id, actor, now = AppraisalState.of(view).appraisal_id, actor_of(body), rt.clock.now()
    try:
        with rt.db.session() as session:
            appraisal, partnership = _load_appraisal(session, appraisal_id)
            appraisals.give(session, partnership, appraisal, member_for(session, partnership, actor, now), form, now)
            tally = (appraisal.preread_channel, appraisal.tally_ts, tally_text(*appraisals.tally(session, appraisal)))
            thanks, channel = form_thanks_text(appraisal), partnership.channel_id
    except UserError as error:
        ack(response_action="errors", errors={"delivery": error.message})
        return
    ack()
    if tally[1]:
        rt.gateway.update_message(channel=tally[0], ts=tally[1], text=tally[2])
    tell_in(rt, channel, actor.user_id, thanks)


def on_record_submitted(ack, body, view, context):
    rt, values = runtime(context), state_values(view)
    appraisal_id, actor, now = AppraisalState.of(view).appraisal_id, actor_of(body), rt.clock.now()
    with rt.db.session() as session:
        appraisal, partnership = _load_appraisal(session, appraisal_id)
        outcome, errors = appraisals.outcome_from_values(values, local_date(now, partnership.timezone))
        if not errors:
            try:
                partnerships.require_lead(member_for(session, partnership, actor, now), "record an appraisal")
                if appraisal.recorded_at is not None:
                    raise UserError(f"Appraisal #{appraisal.number} is already recorded.")
            except UserError as error:
                errors = {"verdict": error.message}
        session.rollback()  # nothing is kept from a check
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        owners = look_up(rt, [d.owner_user for d in outcome.decisions])
        with rt.db.session() as session:
            appraisal, partnership = _load_appraisal(session, appraisal_id)
            members = ensure_people(session, partnership, owners, now)
            appraisals.record(session, partnership, appraisal, member_for(session, partnership, actor, now), outcome,
                              members, now)  # fmt: skip
            text, blocks = recorded_blocks(partnership, appraisal)
            where = partnership.governance_channel_id or partnership.channel_id
            channel = partnership.channel_id
    except UserError as error:
        with rt.db.session() as session:
            channel = _load_appraisal(session, appraisal_id)[1].channel_id
        tell_in(rt, channel, actor.user_id, f":warning: That did not go through: {error.message}")
        return
    post_to_governance(rt, channel=where, text=text, blocks=blocks)
    if where != channel:
        rt.gateway.post_message(channel=channel, text=text, blocks=blocks)


def on_schedule_submitted(ack, body, view, context):
    rt, now, actor = runtime(context), runtime(context).clock.now(), actor_of(body)
    channel_id = ScheduleState.of(view).channel_id
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, channel_id)
        settings, errors = governance.settings_from_form(state_values(view), local_date(now, partnership.timezone))
        if settings is not None:
            try:
                changes = governance.change_settings(session, partnership, member_for(session, partnership, actor, now),
                                                     settings, now)  # fmt: skip
            except UserError as error:
                session.rollback()
                errors = {"appraisal_cadence": error.message}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    if changes:
        rt.gateway.post_message(channel=channel_id, text=schedule_changed_text(actor.user_id, changes))


def register(app: App) -> None:
    app.action(Action.FILL_FORM)(button(on_fill_form))
    app.view(Form.APPRAISAL)(form(on_form_submitted))
    app.view(Form.RECORD)(form(on_record_submitted))
    app.view(Form.SCHEDULE)(form(on_schedule_submitted))
