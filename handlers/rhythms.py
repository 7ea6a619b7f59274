"""Listeners for rhythms, check-in answers (thread replies, the modal), blockers, holidays and out-of-office."""

from __future__ import annotations

import json

from slack_bolt import App

from bot.errors import UserError
from bot.partnerships import service as partnerships
from bot.partnerships import time_off
from bot.rhythms import answers
from bot.rhythms import service as rhythms
from bot.rhythms.blocks import (
    answer_modal,
    describe_cadence,
    local_time_text,
    modal_answer_post,
    rhythm_list,
    rhythm_modal,
    summary_message,
)
from bot.rhythms.models import Checkin
from bot.runtime import Runtime
from bot.slack.forms import state_values
from bot.slack.gateway import SlackApiError
from bot.slack.text import escape, mention
from bot.workdays import local_date, work_calendar
from handlers.actors import Actor, actor_of, failure_text, member_for, tell_actor
from handlers.router import CommandContext, HelpEntry, Reply, Router, error_reply
from schedules.scheduler import Scheduler

RHYTHM_USAGE = rhythms.RHYTHM_USAGE
ANSWERED = "white_check_mark"


def register(app: App, rt: Runtime, router: Router, scheduler: Scheduler) -> None:
    def rhythm(ctx: CommandContext) -> Reply | None:
        action = ctx.args[0].lower() if ctx.args else "list"
        now = rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            actor = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), now)
            if action == "list":
                return Reply(*rhythm_list(partnership, rhythms.rhythms_of(session, partnership)))
            if action == "add":
                partnerships.require_lead(actor, "manage rhythms")
            elif action in ("pause", "resume", "remove", "run"):
                if len(ctx.args) != 2:
                    raise UserError(f"Say which rhythm: `/partner rhythm {action} N`.", usage=RHYTHM_USAGE)
                target = rhythms.find_rhythm(session, partnership, ctx.args[1])
                if action == "pause":
                    rhythms.pause(target, actor)
                elif action == "resume":
                    rhythms.resume(target, actor, work_calendar(session, partnership), now)
                elif action == "remove":
                    rhythms.remove(target, actor, now)
                else:
                    rhythms.run_now(session, target, actor, now)
                done = {"pause": "paused", "resume": "resumed", "remove": "removed", "run": "is being sent now"}
                reply = Reply(
                    f"Rhythm {target.number} ({escape(target.name)}) {done[action]}."
                    + (
                        f" Next: {local_time_text(target.next_run_at, partnership.timezone)}."
                        if action == "resume" and target.next_run_at
                        else ""
                    )
                )
            else:
                raise UserError(f"`{action}` is not a rhythm command.", usage=RHYTHM_USAGE)
        if action == "add":
            ctx.ack()
            rt.gateway.open_view(trigger_id=ctx.trigger_id, view=rhythm_modal(ctx.channel_id))
            return None
        if action == "run":
            ctx.ack(reply)
            scheduler.run_due()  # the check-in was owed just now: send it without waiting for the tick
            return None
        return reply

    def ooo(ctx: CommandContext) -> Reply:
        now = rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            member = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), now)
            if [a.lower() for a in ctx.args] == ["off"]:
                time_off.clear_out_of_office(member)
                return Reply("Welcome back: you are expected in check-ins again.")
            if len(ctx.args) != 2:
                raise UserError("Give the first and last day you are away.", usage=time_off.OOO_USAGE)
            first, last = (time_off.parse_day(arg, time_off.OOO_USAGE) for arg in ctx.args)
            time_off.set_out_of_office(member, first, last, now)
            return Reply(
                f"You are out of office {first.isoformat()} to {last.isoformat()}: "
                "not expected in check-ins and not nudged."
            )

    def holiday(ctx: CommandContext) -> Reply:
        usage = "/partner holiday add YYYY-MM-DD [name] | list | remove YYYY-MM-DD"
        action = ctx.args[0].lower() if ctx.args else "list"
        now = rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, ctx.channel_id)
            if action == "list":
                upcoming = time_off.holidays(session, partnership, since=local_date(now, partnership.timezone))
                lines = [f"{h.day.strftime('%a %d %b %Y')} — {escape(h.name) or 'holiday'}" for h in upcoming]
                return Reply(
                    "*Upcoming holidays*\n" + "\n".join(lines)
                    if lines
                    else "No upcoming holidays. A lead can add one: `/partner holiday add 2026-12-25 Christmas`"
                )
            if action not in ("add", "remove") or len(ctx.args) < 2:
                raise UserError("That holiday command needs different arguments.", usage=usage)
            actor = member_for(session, partnership, Actor(ctx.user_id, ctx.team_id), now)
            day = time_off.parse_day(ctx.args[1], usage)
            if action == "remove":
                time_off.remove_holiday(session, partnership, actor, day)
                return Reply(f"{day.isoformat()} is no longer a holiday.")
            time_off.add_holiday(session, partnership, actor, day, " ".join(ctx.args[2:]))
            return Reply(f"{day.isoformat()} is a holiday: no check-ins, and SLA clocks pause.")

    router.add(
        "rhythm",
        rhythm,
        HelpEntry("/partner rhythm add", "add a recurring check-in (leads; opens a form)", "/partner rhythm add"),
        HelpEntry("/partner rhythm list", "rhythms with their next run in local time", "/partner rhythm list"),
        HelpEntry(
            "/partner rhythm pause N · resume N · remove N",
            "stop, restart or delete a rhythm (leads)",
            "/partner rhythm pause 2",
        ),
        HelpEntry("/partner rhythm run N", "send that check-in now (leads)", "/partner rhythm run 1"),
    )
    router.add(
        "ooo",
        ooo,
        HelpEntry(time_off.OOO_USAGE, "you are away: not expected, not nudged", "/partner ooo 2026-12-21 2027-01-02"),
    )
    router.add(
        "holiday",
        holiday,
        HelpEntry(
            "/partner holiday add YYYY-MM-DD [name] · list · remove YYYY-MM-DD",
            "partnership holidays: no check-ins, SLA clocks paused (leads change them)",
            "/partner holiday add 2026-12-25 Christmas",
        ),
    )

    @app.view("rhythm_add")
    def on_rhythm_submitted(ack, body, view):
        channel_id = json.loads(view["private_metadata"])["channel_id"]
        actor, now = actor_of(body), rt.clock.now()
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, channel_id)
            try:
                partnerships.require_lead(member_for(session, partnership, actor, now), "manage rhythms")
            except UserError as error:
                ack(response_action="errors", errors={"name": error.message})
                return
            calendar = work_calendar(session, partnership)
            form, errors = rhythms.rhythm_from_form(state_values(view), calendar, local_date(now, calendar.timezone))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        try:
            teams = {user: rt.gateway.user_team(user) for user in form.people}  # their side, before the transaction
        except SlackApiError as exc:
            tell_actor(rt, channel_id, actor, f":warning: The rhythm was not added: {failure_text(exc)}")
            return
        with rt.db.session() as session:
            partnership = partnerships.require_partnership(session, channel_id)
            for user, team in teams.items():
                partnerships.ensure_member(session, partnership, team_id=team, user_id=user, now=now)
            added = rhythms.add_rhythm(
                session, partnership, member_for(session, partnership, actor, now), form, calendar, now
            )
            next_run = local_time_text(added.next_run_at, partnership.timezone) if added.next_run_at else "none"
            text = (
                f"{mention(actor.user_id)} added rhythm {added.number}, *{escape(added.name)}*: "
                f"{describe_cadence(added)} ({partnership.timezone}). Next: {next_run}."
            )
        rt.gateway.post_message(channel=channel_id, text=text)

    def open_answer_modal(body, checkin_id: int | None) -> None:
        try:
            with rt.db.session() as session:
                if checkin_id is None:  # the card's button answers the latest check-in of the channel
                    partnership = partnerships.require_partnership(session, body["channel"]["id"])
                    checkin = answers.latest_checkin(session, partnership)
                    if checkin is None:
                        raise UserError("There is no check-in to answer yet.")
                else:
                    checkin = session.get(Checkin, checkin_id)
                view = answer_modal(checkin.rhythm, checkin)
        except UserError as error:
            rt.gateway.respond(body["response_url"], text=error_reply(error).text)
            return
        rt.gateway.open_view(trigger_id=body["trigger_id"], view=view)

    @app.action("checkin_answer")
    def on_answer_clicked(ack, body):
        ack()
        open_answer_modal(body, int(body["actions"][0]["value"]))

    @app.action("card_post_update")
    def on_card_post_update(ack, body):
        ack()
        open_answer_modal(body, None)

    @app.view("checkin_answer")
    def on_answer_submitted(ack, body, view):
        checkin_id = json.loads(view["private_metadata"])["checkin_id"]
        values = state_values(view)
        with rt.db.session() as session:
            questions = session.get(Checkin, checkin_id).rhythm.questions
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

    @app.action("blocker_clear")
    def on_blocker_clear(ack, body):
        ack()
        actor = actor_of(body)
        try:
            with rt.db.session() as session:
                partnership = partnerships.require_partnership(session, body["channel"]["id"])
                blocker = answers.clear_blocker(
                    session, partnership, int(body["actions"][0]["value"]), actor.user_id, rt.clock.now()
                )
                text = f"Cleared the blocker: {escape(blocker.text)}"
        except UserError as error:
            text = error_reply(error).text
        rt.gateway.respond(body["response_url"], text=text)


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
