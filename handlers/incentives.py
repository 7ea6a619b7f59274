"""Listeners for incentives: the terms form, `incentives` and `incentives run`, answering a review (from a DM
or the channel), and turning a review's point into an action."""

from __future__ import annotations

from datetime import date

from slack_bolt import App

from bot.actions import service as actions
from bot.errors import UserError
from bot.incentives import service as incentives
from bot.incentives.blocks import (
    action_made_text,
    action_modal,
    answer_modal,
    answered_text,
    no_review_blocks,
    report_blocks,
    started_text,
    terms_lines,
    terms_modal,
    terms_saved,
)
from bot.incentives.ids import Action, Form, PointState, ReviewState, TermsState
from bot.numbering import row_id
from bot.partnerships import service as partnerships
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.workdays import local_date, work_calendar
from handlers.context import Actor, actor_of, runtime
from handlers.people import look_up, member_for
from handlers.replies import button, failure_text, form, open_modal, tell_in
from handlers.router import CommandContext, CommandSet, Reply

commands = CommandSet()


@commands.add(
    "incentives",
    summary="what is paid for, each side's priorities, and the latest incentive review",
    example="/partner incentives",
)
def show(ctx: CommandContext) -> Reply:
    now = ctx.runtime.clock.now()
    with ctx.runtime.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        terms = incentives.terms_of(session, partnership)
        lines = terms_lines(terms, incentives.next_review(partnership, terms, work_calendar(session, partnership), now))
        review = incentives.latest_review(session, partnership)
        if review is None:
            return Reply(*no_review_blocks(lines))
        title, blocks = report_blocks(partnership, incentives.review_report(review))
        return Reply(title, [*blocks, {"type": "divider"}, *no_review_blocks(lines)[1][:1]])


@commands.add(
    "incentives edit",
    summary="write down what is paid for and your side's priority order (leads; opens a form)",
    example="/partner incentives edit",
)
def edit(ctx: CommandContext) -> None:
    with ctx.runtime.db.session() as session:
        view = _terms_view(session, ctx.runtime, ctx.channel_id, Actor(ctx.user_id, ctx.team_id))
    ctx.ack()
    ctx.runtime.gateway.open_view(trigger_id=ctx.trigger_id, view=view)


def _terms_view(session, rt: Runtime, channel_id: str, actor: Actor) -> dict:
    """The terms form for a lead, with their own side's priorities (refused for anyone else)."""
    partnership = partnerships.require_partnership(session, channel_id)
    member = member_for(session, partnership, actor, rt.clock.now())
    partnerships.require_lead(member, "change what is paid for and your side's priorities")
    terms = incentives.terms_of(session, partnership)
    return terms_modal(channel_id, member.side, terms, incentives.review_month(partnership, terms))


def on_edit_terms_button(rt: Runtime, body: dict, action: dict) -> None:
    open_modal(rt, body, lambda session: _terms_view(session, rt, action["value"], actor_of(body)))


@commands.add("incentives run", summary="start an incentive review now (leads)", example="/partner incentives run")
def run(ctx: CommandContext) -> Reply:
    rt, now = ctx.runtime, ctx.runtime.clock.now()
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        member = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), now)
        review = incentives.run_review(session, partnership, member, work_calendar(session, partnership), now)
        reply = Reply(started_text(review))
    ctx.ack(reply)
    if ctx.scheduler is not None:  # the asks go out now, through the claimed sends
        ctx.scheduler.run_due()
    return None


def on_terms_submitted(ack, body, view, context):
    rt, actor, now = runtime(context), actor_of(body), runtime(context).clock.now()
    channel_id = TermsState.of(view).channel_id
    form, errors = incentives.parse_terms(state_values(view))
    if not errors:
        with rt.db.session() as session:  # checked before answering: a refusal shows in the form
            partnership = partnerships.require_partnership(session, channel_id)
            member = partnerships.find_member(session, partnership, actor.team_id, actor.user_id)
            if member is None or member.role != "lead":
                errors = {"paid_for": "Only leads can change what is paid for and their side's priorities."}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, channel_id)
            edit_ = incentives.set_terms(session, partnership, member_for(session, partnership, actor, now), form, now)
            told = terms_saved(actor.user_id, channel_id, edit_.changes) if edit_ else None
    except UserError as error:
        tell_in(rt, channel_id, actor.user_id, f":warning: {error.message}")
        return
    if told:
        rt.gateway.post_message(channel=channel_id, text=told[0], blocks=told[1])


def on_answer_button(rt: Runtime, body: dict, action: dict) -> None:
    def build(session):
        review = incentives.find_review(session, row_id(action["value"]))
        member = member_for(session, review.partnership, actor_of(body), rt.clock.now())
        incentives.check_can_answer(review, member)
        return answer_modal(review, member.side)

    open_modal(rt, body, build)


def on_answer_submitted(ack, body, view, context):
    rt, actor, now = runtime(context), actor_of(body), runtime(context).clock.now()
    review_id = ReviewState.of(view).review_id
    form, errors = incentives.parse_answer(state_values(view))
    if not errors:
        with rt.db.session() as session:
            review = incentives.find_review(session, review_id)
            try:
                incentives.check_can_answer(review, member_for(session, review.partnership, actor, now))
            except UserError as error:
                errors = {"still_wanted": error.message}
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    with rt.db.session() as session:
        review = incentives.find_review(session, review_id)
        incentives.answer_review(session, review, member_for(session, review.partnership, actor, now), form, now)
        channel = review.partnership.channel_id
    tell_in(rt, channel, actor.user_id, answered_text())


def _point(session, state: PointState, actor: Actor, now):
    review = incentives.find_review(session, state.review_id)
    partnerships.require_lead(member_for(session, review.partnership, actor, now), "turn review points into actions")
    return review, incentives.point_of(review, state.point)


def on_point_button(rt: Runtime, body: dict, action: dict) -> None:
    review_id, index = (int(part) for part in action["value"].split(":"))

    def build(session):
        _, point = _point(session, PointState(review_id=review_id, point=index), actor_of(body), rt.clock.now())
        return action_modal(review_id, index, point.text)

    open_modal(rt, body, build)


def on_action_submitted(ack, body, view, context):
    rt, actor, now = runtime(context), actor_of(body), runtime(context).clock.now()
    state, values = PointState.of(view), state_values(view)
    title = (values.get("title") or "").strip()
    errors = {}
    with rt.db.session() as session:
        review = incentives.find_review(session, state.review_id)
        today, channel = local_date(now, review.partnership.timezone), review.partnership.channel_id
        try:
            _point(session, state, actor, now)
        except UserError as error:
            errors["title"] = error.message
    if not title:
        errors["title"] = "Say what should be done."
    due = date.fromisoformat(values["due_date"]) if values.get("due_date") else None
    if due is None or due < today:
        errors["due_date"] = "Choose a due date from today on."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        owner = look_up(rt, [values["owner"]])[values["owner"]]
    except UserError as error:
        tell_in(rt, channel, actor.user_id, f":warning: The action was not created: {failure_text(error)}")
        return
    with rt.db.session() as session:
        review, _ = _point(session, state, actor, now)
        made = actions.create_action(
            session,
            review.partnership,
            title=title,
            due_date=due,
            source="incentives",
            source_key=f"incentives:{review.id}:{state.point}",
            created_by=actor.user_id,
            now=now,
            owner=member_for(session, review.partnership, owner, now),
        )
        text = action_made_text(actor.user_id, made, title, owner.user_id)
    rt.gateway.post_message(channel=channel, text=text)


def register(app: App) -> None:
    app.view(Form.TERMS)(form(on_terms_submitted))
    app.action(Action.EDIT_TERMS)(button(on_edit_terms_button))
    app.action(Action.ANSWER)(button(on_answer_button))
    app.view(Form.ANSWER)(form(on_answer_submitted))
    app.action(Action.MAKE_ACTION)(button(on_point_button))
    app.view(Form.MAKE_ACTION)(form(on_action_submitted))
