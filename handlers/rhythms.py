"""Listeners for rhythms, check-in answers (thread replies, the modal) and blockers."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import Gone, UserError
from bot.numbering import row_id
from bot.partnerships import service as partnerships
from bot.partnerships.ids import Card
from bot.partnerships.models import Partnership
from bot.rhythms import answers
from bot.rhythms import service as rhythms
from bot.rhythms.blocks import (
    NO_CHECKIN_YET,
    answer_modal,
    blocker_cleared_text,
    modal_answer_post,
    rhythm_added_text,
    rhythm_changed_text,
    rhythm_list,
    rhythm_modal,
    rhythm_not_added_text,
    summary_message,
)
from bot.rhythms.ids import Action, AnswerState, Form, RhythmState
from bot.rhythms.models import Checkin
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.workdays import local_date, work_calendar
from handlers.context import Actor, actor_of, channel_of, runtime
from handlers.people import asked_in, ensure_people, look_up, member_for
from handlers.replies import button, failure_text, form, open_modal, tell, tell_in
from handlers.router import CommandContext, CommandSet, Reply, number

ANSWERED = "white_check_mark"

commands = CommandSet()
WHICH = "Say which rhythm, by its number in `/partner rhythm list`."


def _lead(ctx: CommandContext, session, partnership: Partnership):
    actor = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), ctx.runtime.clock.now())
    partnerships.require_lead(actor, "manage rhythms")
    return actor


@commands.add("rhythm add", summary="add a recurring check-in (leads; opens a form)", example="/partner rhythm add")
def add(ctx: CommandContext) -> None:
    with ctx.runtime.db.session() as session:
        _lead(ctx, session, partnerships.require_partnership(session, ctx.channel_id))
    ctx.ack()
    ctx.runtime.gateway.open_view(trigger_id=ctx.trigger_id, view=rhythm_modal(ctx.channel_id))


@commands.add(
    "rhythm list", summary="rhythms with their next run in local time", example="/partner rhythm list", default=True
)
def listing(ctx: CommandContext) -> Reply:
    with ctx.runtime.db.session() as session:
        partnership = partnerships.require_partnership(session, ctx.channel_id)
        member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), ctx.runtime.clock.now())
        return Reply(*rhythm_list(partnership, rhythms.rhythms_of(session, partnership)))


def _change(ctx: CommandContext, rhythm_number: int, what: str) -> Reply:
    now = ctx.runtime.clock.now()
    with asked_in(ctx) as (session, partnership, actor):
        target = rhythms.find_rhythm(session, partnership, rhythm_number)
        if what == "pause":
            rhythms.pause(target, actor)
        elif what == "resume":
            rhythms.resume(target, actor, work_calendar(session, partnership), now)
        elif what == "remove":
            rhythms.remove(target, actor, now)
        else:
            rhythms.run_now(session, target, actor, now)
        return Reply(rhythm_changed_text(target, what, partnership.timezone))


@commands.add(
    "rhythm pause", number(missing=WHICH), summary="stop a rhythm for now (leads)", example="/partner rhythm pause 2"
)
def pause(ctx: CommandContext, rhythm_number: int) -> Reply:
    return _change(ctx, rhythm_number, "pause")


@commands.add(
    "rhythm resume", number(), summary="start a paused rhythm again (leads)", example="/partner rhythm resume 2"
)
def resume(ctx: CommandContext, rhythm_number: int) -> Reply:
    return _change(ctx, rhythm_number, "resume")


@commands.add(
    "rhythm remove", number(missing=WHICH), summary="delete a rhythm (leads)", example="/partner rhythm remove 2"
)
def remove(ctx: CommandContext, rhythm_number: int) -> Reply:
    return _change(ctx, rhythm_number, "remove")


@commands.add(
    "rhythm run", number(missing=WHICH), summary="send that check-in now (leads)", example="/partner rhythm run 1"
)
def run(ctx: CommandContext, rhythm_number: int) -> None:
    ctx.ack(_change(ctx, rhythm_number, "run"))
    ctx.scheduler.run_due()  # the check-in was owed just now: send it without waiting for the tick


def on_rhythm_submitted(ack, body, view, context):
    rt = runtime(context)
    channel_id, actor, now = RhythmState.of(view).channel_id, actor_of(body), rt.clock.now()
    with rt.db.read() as session:  # acks come after it: a listener that acks waits for a work slot
        partnership = partnerships.require_partnership(session, channel_id)
        try:
            partnerships.require_lead(member_for(session, partnership, actor, now), "manage rhythms")
        except UserError as error:
            form, errors = None, {"name": error.message}
        else:
            calendar = work_calendar(session, partnership)
            form, errors = rhythms.rhythm_from_form(state_values(view), calendar, local_date(now, calendar.timezone))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        people = look_up(rt, form.people)  # their side, before the transaction
    except UserError as error:
        tell_in(rt, channel_id, actor.user_id, rhythm_not_added_text(failure_text(error)))
        return
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, channel_id)
        ensure_people(session, partnership, people, now)
        added = rhythms.add_rhythm(
            session, partnership, member_for(session, partnership, actor, now), form, calendar, now
        )
        text = rhythm_added_text(actor.user_id, added, partnership.timezone)
    rt.gateway.post_message(channel=channel_id, text=text)


def _answer_view(session, checkin: Checkin | None) -> dict:
    if checkin is None:
        raise UserError(NO_CHECKIN_YET)
    return answer_modal(checkin.rhythm, checkin)


def on_answer_clicked(rt: Runtime, body: dict, action: dict) -> None:
    open_modal(rt, body, lambda session: _answer_view(session, session.get(Checkin, row_id(action["value"]))))


def on_card_post_update(rt: Runtime, body: dict, action: dict) -> None:
    """The card's button answers the latest check-in of the channel."""

    def build(session):
        partnership = partnerships.require_partnership(session, channel_of(body))
        return _answer_view(session, answers.latest_checkin(session, partnership))

    open_modal(rt, body, build)


def on_answer_submitted(ack, body, view, context):
    rt = runtime(context)
    checkin_id, values = AnswerState.of(view).checkin_id, state_values(view)
    with rt.db.session() as session:
        checkin = session.get(Checkin, checkin_id)
        if checkin is None:
            raise Gone("check-in")
        questions = checkin.rhythm.questions
    text, blocker = answers.modal_answer(questions, [values.get(f"q{i}") or "" for i in range(len(questions))])
    if not text:
        ack(response_action="errors", errors={"q0": "Answer at least one question."})
        return
    ack()
    actor = actor_of(body)
    late, channel, thread = record(rt, checkin_id, actor, text=text, source="modal", blocker=blocker)
    rt.gateway.post_message(channel=channel, thread_ts=thread, text=modal_answer_post(actor.user_id, text))
    if late:
        refresh_summary(rt, checkin_id)


def on_blocker_clear(rt: Runtime, body: dict, action: dict) -> None:
    actor = actor_of(body)
    with rt.db.session() as session:
        partnership = partnerships.require_partnership(session, channel_of(body))
        blocker = answers.clear_blocker(session, partnership, row_id(action["value"]), actor.user_id, rt.clock.now())
        text = blocker_cleared_text(blocker)
    tell(rt, body, text)


def record(rt: Runtime, checkin_id: int, actor: Actor, **answer) -> tuple[bool, str, str] | None:
    """Record an answer from a thread reply or the form: (late?, channel, thread), or None if already recorded."""
    now = rt.clock.now()
    with rt.db.session() as session:
        checkin = session.get(Checkin, checkin_id)
        partnership = checkin.partnership
        member_for(session, partnership, actor, now)
        recorded = answers.record_answer(
            session, checkin, team_id=actor.team_id, user_id=actor.user_id, now=now, **answer
        )
        return None if recorded is None else (recorded.late, partnership.channel_id, checkin.message_ts)


def on_thread_reply(rt: Runtime, channel_id: str, thread_ts: str, ts: str, text: str, actor: Actor) -> bool:
    """A reply in a check-in's thread is an answer. False when the thread is not a check-in's."""
    with rt.db.session() as session:
        checkin = partnerships.find_by_thread(session, Checkin, channel_id, thread_ts)
        checkin_id = checkin.id if checkin else None
    if checkin_id is None:
        return False
    recorded = record(rt, checkin_id, actor, text=text, source="thread", message_ts=ts)
    if recorded is not None:  # a retried delivery of the same reply is not reacted to twice
        rt.gateway.react(channel=channel_id, ts=ts, name=ANSWERED)
        if recorded[0]:
            refresh_summary(rt, checkin_id)
    return True


def on_thread_edit(rt: Runtime, channel_id: str, thread_ts: str, ts: str, text: str) -> bool:
    with rt.db.session() as session:
        checkin = partnerships.find_by_thread(session, Checkin, channel_id, thread_ts)
        if checkin is None:
            return False
        answers.edit_answer(session, checkin, ts, text, rt.clock.now())
    return True


def on_thread_delete(rt: Runtime, channel_id: str, thread_ts: str, ts: str) -> bool:
    """A check-in answer deleted from its thread is withdrawn (and its blocker); a posted summary follows."""
    with rt.db.session() as session:
        checkin = partnerships.find_by_thread(session, Checkin, channel_id, thread_ts)
        if checkin is None or not answers.withdraw_answer(session, checkin, ts):
            return False
        checkin_id = checkin.id
    refresh_summary(rt, checkin_id)
    return True


def refresh_summary(rt: Runtime, checkin_id: int) -> None:
    """A late answer after the summary went out: move that person from missing to late in place."""
    with rt.db.session() as session:
        checkin = session.get(Checkin, checkin_id)
        if not checkin.summary_ts:
            return
        partnership = checkin.partnership
        summary = answers.summarize(checkin, partnership, local_date(checkin.closes_at, partnership.timezone))
        text, blocks = summary_message(checkin.rhythm, summary)
        channel, ts = partnership.channel_id, checkin.summary_ts
    rt.gateway.update_message(channel=channel, ts=ts, text=text, blocks=blocks)


def register(app: App) -> None:
    app.view(Form.ADD_RHYTHM)(form(on_rhythm_submitted))
    app.action(Action.ANSWER)(button(on_answer_clicked))
    app.action(Card.POST_UPDATE)(button(on_card_post_update))
    app.view(Form.ANSWER)(form(on_answer_submitted))
    app.action(Action.CLEAR_BLOCKER)(button(on_blocker_clear))
