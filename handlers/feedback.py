"""Listeners for feedback: giving it (command, card, the asks), cycle settings, the report, making actions."""

from __future__ import annotations

from datetime import date

from slack_bolt import App

from bot.actions import service as actions
from bot.db import inserted_by
from bot.errors import Gone, UserError
from bot.feedback import cycles
from bot.feedback import service as feedback
from bot.feedback.blocks import (
    NO_CYCLE,
    action_made_text,
    action_modal,
    action_not_created_text,
    cycle_modal,
    cycle_set_text,
    feedback_modal,
    feedback_thanks_text,
    no_report_text,
    report_blocks,
    running_cycle_text,
)
from bot.feedback.ids import Action, CycleState, Form, GiveState, PointState
from bot.feedback.models import FeedbackCycle, FeedbackPoint
from bot.feedback.progress import answers_by_side, running_cycle
from bot.numbering import row_id
from bot.partnerships import service as partnerships
from bot.partnerships.ids import Card
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.slack.forms import section, state_values
from bot.slack.gateway import SlackApiError
from bot.workdays import local_date
from handlers.context import Actor, actor_of, channel_of, runtime
from handlers.people import look_up, member_for
from handlers.replies import button, failure_text, form, open_modal, post_stored, tell_in
from handlers.router import LAST_DAY, CommandContext, CommandSet, Reply

commands = CommandSet()


def _member(ctx: CommandContext, session, partnership: Partnership):
    return member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), ctx.runtime.clock.now())


@commands.add("feedback", summary="give feedback about the other side now (opens a form)", example="/partner feedback")
def give(ctx: CommandContext) -> None:
    rt = ctx.runtime
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        view = give_view(session, partnership, _member(ctx, session, partnership), None, rt.clock.now())
    ctx.ack()
    rt.gateway.open_view(trigger_id=ctx.trigger_id, view=view)


@commands.add(
    "feedback cycle",
    summary="how often both sides are asked, and anonymity (leads)",
    example="/partner feedback cycle",
)
def cycle_settings(ctx: CommandContext) -> None:
    rt = ctx.runtime
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        partnerships.require_lead(_member(ctx, session, partnership), "change feedback cycles")
        view = cycle_modal(partnership)
    ctx.ack()
    rt.gateway.open_view(trigger_id=ctx.trigger_id, view=view)


@commands.add("feedback report", summary="the latest cycle's report", example="/partner feedback report")
def report(ctx: CommandContext) -> Reply:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        _member(ctx, session, partnership)
        running = running_cycle(session, partnership, now)
        progress = None
        if running is not None:
            people = {side: len(members) for side, members in partnerships.members_by_side(partnership).items()}
            progress = running_cycle_text(partnership, running, answers_by_side(session, running), people)
        cycle = cycles.latest_closed_cycle(session, partnership)
        if cycle is None:
            return Reply(progress or no_report_text())
        built = feedback.build_report(session, partnership, cycle)
        text, blocks = report_blocks(partnership, built, local_date(now, partnership.timezone))
        return Reply(text, [section(progress), *blocks] if progress else blocks)


def give_view(session, partnership: Partnership, member, cycle_id: int | None, now) -> dict:
    cycle = session.get(FeedbackCycle, cycle_id) if cycle_id else None
    if cycle is None or cycle.status != "open":  # an old ask's button: the running cycle instead
        cycle = cycles.cycle_for_giving(session, partnership, now)
    if cycle is None:
        raise UserError(NO_CYCLE)
    return feedback_modal(partnership, member.side, cycle)


def on_give_button(rt: Runtime, body: dict, action: dict) -> None:
    now, actor = rt.clock.now(), actor_of(body)

    def build(session):
        if action["action_id"] == Action.GIVE:  # from an ask: the cycle names the partnership
            cycle = session.get(FeedbackCycle, row_id(action["value"]))
            if cycle is None:
                raise Gone("feedback cycle")
            partnership, cycle_id = cycle.partnership, cycle.id
        else:
            partnership, cycle_id = partnerships.require_partnership(session, channel_of(body)), None
        return give_view(session, partnership, member_for(session, partnership, actor, now), cycle_id, now)

    open_modal(rt, body, build)


def on_feedback_submitted(ack, body, view, context):
    rt = runtime(context)
    form, errors = feedback.feedback_from_form(state_values(view))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    now, actor, promised = rt.clock.now(), actor_of(body), GiveState.of(view)
    try:
        with rt.db.session() as session:
            cycle = session.get(FeedbackCycle, promised.cycle_id)
            if cycle is None:
                raise Gone("feedback cycle", "press Give feedback again")
            partnership = cycle.partnership
            member = member_for(session, partnership, actor, now)
            feedback.give(
                session,
                partnership,
                cycle,
                member,
                form,
                now,
                promised_anonymous=promised.anonymous,
                key_secret=rt.settings.answer_key_secret(),
            )
            channel, number = partnership.channel_id, cycle.number
    except UserError as error:  # raised inside the unit of work, so it is rolled back
        ack(response_action="errors", errors={"quality": error.message})
        return
    ack()
    rt.gateway.post_ephemeral(channel=channel, user=actor.user_id, text=feedback_thanks_text(number))


def on_cycle_submitted(ack, body, view, context):
    rt = runtime(context)
    values, now, channel_id = state_values(view), rt.clock.now(), CycleState.of(view).channel_id
    try:
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, channel_id)
            cycles.set_cycle(
                session,
                partnership,
                member_for(session, partnership, actor_of(body), now),
                weeks=int(values["weeks"]),
                anonymous=values["anonymity"] == "anonymous",
                now=now,
            )
            text = cycle_set_text(actor_of(body).user_id, partnership.feedback_weeks, partnership.feedback_anonymous)
    except UserError as error:  # raised inside the unit of work, so it is rolled back
        ack(response_action="errors", errors={"weeks": error.message})
        return
    ack()
    rt.gateway.post_message(channel=channel_id, text=text)


def _point_and_partnership(session, point_id: int) -> tuple[FeedbackPoint, Partnership]:
    point = session.get(FeedbackPoint, point_id)
    if point is None:
        raise Gone("feedback point")
    return point, point.cycle.partnership


def on_point_action(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        point, partnership = _point_and_partnership(session, row_id(action["value"]))
        lead = member_for(session, partnership, actor_of(body), rt.clock.now())
        feedback.point_to_action(session, partnership, lead, point)
        return action_modal(point.id, point.text)

    open_modal(rt, body, build)


def on_action_submitted(ack, body, view, context):
    rt = runtime(context)
    values, now, actor = state_values(view), rt.clock.now(), actor_of(body)
    title = (values.get("title") or "").strip()
    point_id = PointState.of(view).point_id
    errors = {}
    with rt.db.read() as session:
        point, partnership = _point_and_partnership(session, point_id)
        today, channel = local_date(now, partnership.timezone), partnership.channel_id
        try:
            feedback.point_to_action(session, partnership, member_for(session, partnership, actor, now), point)
        except UserError as error:
            errors["title"] = error.message
    if not title:
        errors["title"] = "Say what should be done."
    due = date.fromisoformat(values["due_date"]) if values.get("due_date") else None
    if due is None or not today <= due <= LAST_DAY:
        errors["due_date"] = f"Choose a due date from today to {LAST_DAY.isoformat()}."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        owner = look_up(rt, [values["owner"]])[values["owner"]]
    except UserError as error:
        tell_in(rt, channel, actor.user_id, action_not_created_text(failure_text(error)))
        return
    with rt.db.session() as session:
        point, partnership = _point_and_partnership(session, point_id)
        lead = member_for(session, partnership, actor, now)
        feedback.point_to_action(session, partnership, lead, point)
        made = actions.create_action(
            session,
            partnership,
            title=title,
            due_date=due,
            source="feedback",
            source_key=f"feedback:{point.id}",
            created_by=actor.user_id,
            now=now,
            owner=member_for(session, partnership, owner, now),
        )
        text, channel = action_made_text(actor.user_id, made, title, owner.user_id), partnership.channel_id
        inserted = inserted_by(session)
    try:
        post_stored(rt, inserted, channel=channel, text=text)
    except SlackApiError as exc:
        tell_in(rt, channel, actor.user_id, action_not_created_text(failure_text(exc)))


def register(app: App) -> None:
    app.action(Action.GIVE)(button(on_give_button))
    app.action(Card.GIVE_FEEDBACK)(button(on_give_button))
    app.view(Form.GIVE)(form(on_feedback_submitted))
    app.view(Form.CYCLE)(form(on_cycle_submitted))
    app.action(Action.MAKE_ACTION)(button(on_point_action))
    app.view(Form.MAKE_ACTION)(form(on_action_submitted))
