"""Feedback cycles over time: open each one and ask both sides; at its close, post the report, tell the
leads about points raised again, and alert sponsors about a side silent two cycles running."""

from __future__ import annotations

from datetime import datetime

from bot.celebrations import service as celebrations
from bot.claims import SendJob, owe_post
from bot.feedback import cycles
from bot.feedback import service as feedback
from bot.feedback.blocks import ask_blocks, repeat_text, report_blocks, silence_text
from bot.feedback.models import FeedbackCycle
from bot.partnerships import service as partnerships
from bot.runtime import Runtime
from bot.workdays import local_date
from schedules.messages import tell
from schedules.people import channel_people, learn_newcomers
from schedules.scheduler import PLAN_BATCH


def plan_cycles(rt: Runtime, now: datetime) -> None:
    """One batch a tick, in one transaction, so the sends it owes go out before the next tick plans more."""
    with rt.db.session() as session:
        cycles.schedule_unplanned(session, now, limit=PLAN_BATCH)
        for partnership in cycles.due_partnerships(session, now, limit=PLAN_BATCH):
            cycles.open_due_cycle(session, partnership, now)


def ask(rt: Runtime, job: SendJob) -> str | None:
    """A DM with the button for each person of the installing org; one channel message for the other org."""
    with rt.db.session() as session:
        cycle = session.get(FeedbackCycle, job.subject_id)
        if cycle.status != "open":
            return "dropped"
        channel = cycle.partnership.channel_id
    in_channel = channel_people(rt, channel)
    with rt.db.session() as session:
        cycle = session.get(FeedbackCycle, job.subject_id)
        partnership = cycle.partnership
        learn_newcomers(rt, session, partnership, in_channel)
        people = [(m.team_id, m.user_id) for m in partnership.members if in_channel is None or m.user_id in in_channel]
        text, blocks = ask_blocks(partnership, cycle)
        tell(session, key=job.key, due_at=job.due_at, partnership=partnership, people=people, text=text, blocks=blocks)
    return None


def report(rt: Runtime, job: SendJob) -> str | None:
    with rt.db.session() as session:
        cycle = session.get(FeedbackCycle, job.subject_id)
        if cycle.status != "open":
            return "dropped"
        partnership = cycle.partnership
        result, repeated = feedback.close_cycle(session, partnership, cycle)
        text, blocks = report_blocks(partnership, result, local_date(rt.clock.now(), partnership.timezone))
        # Posted inside the transaction: if Slack refuses, the cycle stays open and the report is retried.
        cycle.report_ts = rt.gateway.post_message(channel=partnership.channel_id, text=text, blocks=blocks, **job.once)
        celebrations.owe_feedback_highs(session, partnership, cycle, job.due_at)
        leads = [(m.team_id, m.user_id) for m in partnerships.leads(partnership)]
        for point in repeated:
            tell(
                session,
                key=f"{job.key}:repeat:{point.id}",
                due_at=job.due_at,
                partnership=partnership,
                people=leads,
                thread_ts=cycle.report_ts,
                text=repeat_text(cycle, point),
            )
        sponsor_ids = [m.user_id for m in partnerships.sponsors(partnership)]
        for side in result.silent_twice:
            owe_post(
                session,
                key=f"{job.key}:silence:{side}",
                due_at=job.due_at,
                channel=partnership.channel_id,
                thread_ts=cycle.report_ts,
                text=silence_text(partnership, side, sponsor_ids, [user for _, user in leads]),
            )
    return None


PERFORMERS = {"feedback_ask": ask, "feedback_report": report}
