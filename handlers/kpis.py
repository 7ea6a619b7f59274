"""Listeners for KPIs: add, edit, list and retire them; the Enter actuals button and its form; the scorecard."""

from __future__ import annotations

from datetime import date

from slack_bolt import App

from bot.claims import owe_post
from bot.errors import NotALead, UserError
from bot.kpis import service as kpis
from bot.kpis.blocks import (
    actuals_modal,
    kpi_list,
    kpi_modal,
    kpi_retired_text,
    kpi_saved,
    reported_text,
    scorecard_blocks,
    streak_notice,
)
from bot.kpis.ids import Action, ActualsState, Form, KpiState
from bot.kpis.models import PERIODS
from bot.partnerships import service as partnerships
from bot.partnerships.models import SIDES, Partnership
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.workdays import local_date
from handlers.context import Actor, actor_of, runtime
from handlers.people import member_for
from handlers.replies import button, form, open_modal, tell_in
from handlers.router import CommandContext, CommandSet, Reply, number

commands = CommandSet()


def _lead_form(ctx: CommandContext, what: str, kpi_number: int | None = None) -> dict:
    with ctx.runtime.db.session() as session:
        return _kpi_view(session, ctx.runtime, ctx.channel_id, Actor(ctx.user_id, ctx.team_id), what, kpi_number)


def _kpi_view(session, rt: Runtime, channel_id: str, actor: Actor, what: str, kpi_number: int | None = None):
    """The KPI form for a lead (refused at once for anyone else)."""
    partnership = partnerships.require_partnership(session, channel_id)
    partnerships.require_lead(member_for(session, partnership, actor, rt.clock.now()), what)
    kpi = kpis.find_kpi(session, partnership, kpi_number) if kpi_number else None
    return kpi_modal(channel_id, kpi)


def on_add_button(rt: Runtime, body: dict, action: dict) -> None:
    open_modal(rt, body, lambda session: _kpi_view(session, rt, action["value"], actor_of(body), "add KPIs"))


@commands.add("kpi add", summary="add a KPI to the charter (leads; opens a form)", example="/partner kpi add")
def add(ctx: CommandContext) -> None:
    view = _lead_form(ctx, "add KPIs")
    ctx.ack()
    ctx.runtime.gateway.open_view(trigger_id=ctx.trigger_id, view=view)


@commands.add("kpi edit", number(), summary="change a KPI (leads; opens a form)", example="/partner kpi edit 2")
def edit(ctx: CommandContext, kpi_number: int) -> None:
    view = _lead_form(ctx, "edit KPIs", kpi_number)
    ctx.ack()
    ctx.runtime.gateway.open_view(trigger_id=ctx.trigger_id, view=view)


@commands.add(
    "kpi list", summary="the KPIs, their targets and who reports them", example="/partner kpi list", default=True
)
def listing(ctx: CommandContext) -> Reply:
    with ctx.runtime.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        return Reply(*kpi_list(kpis.active_kpis(session, partnership)))


@commands.add("kpi retire", number(), summary="retire a KPI (leads)", example="/partner kpi retire 2")
def retire(ctx: CommandContext, kpi_number: int) -> None:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        member = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), now)
        partnerships.require_lead(member, "retire KPIs")
        kpi = kpis.find_kpi(session, partnership, kpi_number)
        kpis.retire_kpi(session, partnership, member, kpi, now)
        told, channel = kpi_retired_text(ctx.user_id, kpi), partnership.channel_id
    ctx.ack(Reply(f"KPI {kpi_number} is retired."))
    rt.gateway.post_message(channel=channel, text=told)


@commands.add("scorecard", summary="each KPI's last six periods against target", example="/partner scorecard")
def scorecard(ctx: CommandContext) -> Reply:
    with ctx.runtime.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        return Reply(*scorecard_blocks(partnership, kpis.scorecard(session, partnership, ctx.runtime.clock.now())))


def on_kpi_submitted(ack, body, view, context):
    rt, state, actor, now = runtime(context), KpiState.of(view), actor_of(body), runtime(context).clock.now()
    form, errors = kpis.parse_kpi_form(state_values(view))
    if not errors:
        with rt.db.session() as session:  # checked before answering: a refusal shows in the form
            partnership = partnerships.require_partnership(session, state.channel_id)
            if member_for(session, partnership, actor, now).role != "lead":
                errors = {"name": NotALead("add or edit KPIs").message}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, state.channel_id)
            member = member_for(session, partnership, actor, now)
            if state.kpi_id is None:
                kpi = kpis.add_kpi(session, partnership, member, form, now)
            else:
                kpi = kpis.kpi_by_id(session, partnership, state.kpi_id)
                kpis.edit_kpi(session, partnership, member, kpi, form, now)
            told = kpi_saved(actor.user_id, state.channel_id, kpi, added=state.kpi_id is None)
    except UserError as error:
        tell_in(rt, state.channel_id, actor.user_id, f":warning: {error.message}")
        return
    rt.gateway.post_message(channel=state.channel_id, text=told[0], blocks=told[1])


def _side_of(session, partnership: Partnership, actor: Actor) -> str:
    """The actor's side, read without adding them as a member (checks come before any write)."""
    member = partnerships.find_member(session, partnership, actor.team_id, actor.user_id)
    return member.side if member else partnership.side_of_team(actor.team_id)


def _asked(session, value: str) -> tuple[Partnership, str, str, date]:
    """What an Enter actuals button is for: partnership id | side | period | period start."""
    try:
        partnership_id, side, period, start = value.split("|")
        partnership, start = session.get(Partnership, int(partnership_id)), date.fromisoformat(start)
    except ValueError:
        raise UserError("That button is out of date.") from None
    if partnership is None or side not in SIDES or period not in PERIODS:
        raise UserError("That button is out of date.")
    return partnership, side, period, start


def on_enter_actuals(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        partnership, side, period, start = _asked(session, action["value"])
        if _side_of(session, partnership, actor_of(body)) != side:
            raise UserError(f"The {side} side reports these KPIs; ask one of them.")
        reported = kpis.kpis_reported_by(session, partnership, side, period)
        if not reported:
            raise UserError("There are no KPIs to report for that period any more.")
        current = kpis.current_actuals(session, reported, start)
        return actuals_modal(
            partnership,
            side,
            period,
            start,
            reported,
            {k.id: current[(k.id, start)] for k in reported if (k.id, start) in current},
        )

    open_modal(rt, body, build)


def on_actuals_submitted(ack, body, view, context):
    rt, state, actor, now = runtime(context), ActualsState.of(view), actor_of(body), runtime(context).clock.now()
    values = state_values(view)
    with rt.db.session() as session:
        partnership = session.get(Partnership, state.partnership_id)
        reported = kpis.kpis_reported_by(session, partnership, state.side, state.period) if partnership else []
        numbers, errors = kpis.parse_actuals(reported, values)
        first = f"kpi_{reported[0].id}" if reported else "comment"
        if not reported:
            errors = {"comment": "There are no KPIs to report for that period any more."}
        elif _side_of(session, partnership, actor) != state.side:
            errors = {first: f"The {state.side} side reports these KPIs; ask one of them."}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        with rt.db.session() as session:
            partnership = session.get(Partnership, state.partnership_id)
            today = local_date(now, partnership.timezone)
            result = kpis.report_actuals(
                session,
                partnership,
                member_for(session, partnership, actor, now),
                side=state.side,
                period=state.period,
                start=state.start,
                numbers=numbers,
                comment=(values.get("comment") or ""),
                today=today,
                now=now,
            )
            leads = [m.user_id for m in partnerships.leads(partnership)]
            for kpi, streak, action in result.streaks:  # flagged once per streak, sent once by the dispatcher
                owe_post(
                    session,
                    key=action.source_key,
                    due_at=now,
                    channel=partnership.channel_id,
                    subject_id=kpi.id,
                    text=streak_notice(kpi, streak, leads, action.number, action.due_date.isoformat()),
                )
            ratings = {kpi.id: kpis.rating(kpi, actual.value) for kpi, actual, _ in result.entered}
            told = reported_text(actor.user_id, state.period, state.start, result.entered, ratings)
            channel = partnership.channel_id
    except UserError as error:
        tell_in(rt, partnership.channel_id, actor.user_id, f":warning: {error.message}")
        return
    if result.entered:
        rt.gateway.post_message(channel=channel, text=told)


def register(app: App) -> None:
    app.view(Form.KPI)(form(on_kpi_submitted))
    app.action(Action.ENTER_ACTUALS)(button(on_enter_actuals))
    app.action(Action.ADD)(button(on_add_button))
    app.view(Form.ACTUALS)(form(on_actuals_submitted))
