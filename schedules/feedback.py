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
from schedules.people import channel_people, learn_newcomers, newcomers
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
        channel, known = cycle.partnership.channel_id, {m.user_id for m in cycle.partnership.members}
    in_channel = channel_people(rt, channel)
    described = newcomers(rt, known, in_channel)  # Slack is asked about them before the unit of work
    with rt.db.session() as session:
        cycle = session.get(FeedbackCycle, job.subject_id)
        partnership = cycle.partnership
        learn_newcomers(rt, session, partnership, described)
        people = [(m.team_id, m.user_id) for m in partnership.members if in_channel is None or m.user_id in in_channel]
        text, blocks = ask_blocks(partnership, cycle)
        tell(session, key=job.key, due_at=job.due_at, partnership=partnership, people=people, text=text, blocks=blocks)
    return None


def report(rt: Runtime, job: SendJob) -> str | None:
    """Close the cycle, post its report, then record the report and owe what follows from it: three steps, so no
    write transaction is open while Slack is called. A closed cycle without a `report_ts` still owes its report:
    a run that closed it and did not record the post (Slack refused it, or the database failed just after)
    is run again, and the post, which carries the send's key, is posted or found, once."""
    with rt.db.session() as session:
        cycle = session.get(FeedbackCycle, job.subject_id)
        if cycle.report_ts is not None:
            return None  # an earlier run of this send posted and recorded it
        partnership = cycle.partnership
        if cycle.status == "open":
            feedback.close_cycle(session, partnership, cycle)  # no more answers; repeats numbered
        result = feedback.build_report(session, partnership, cycle)
        text, blocks = report_blocks(partnership, result, local_date(rt.clock.now(), partnership.timezone))
        channel = partnership.channel_id
    report_ts = rt.gateway.post_message(channel=channel, text=text, blocks=blocks, **job.once)
    with rt.db.session() as session:
        cycle = session.get(FeedbackCycle, job.subject_id)
        partnership = cycle.partnership
        cycle.report_ts = report_ts
        celebrations.owe_feedback_highs(session, partnership, cycle, job.due_at)
        leads = [(m.team_id, m.user_id) for m in partnerships.leads(partnership)]
        for point in feedback.repeated_points(cycle):
            tell(
                session,
                key=f"{job.key}:repeat:{point.id}",
                due_at=job.due_at,
                partnership=partnership,
                people=leads,
                thread_ts=report_ts,
                text=repeat_text(cycle, point),
            )
        sponsor_ids = [m.user_id for m in partnerships.sponsors(partnership)]
        for side in result.silent_twice:
            owe_post(
                session,
                key=f"{job.key}:silence:{side}",
                due_at=job.due_at,
                channel=channel,
                thread_ts=report_ts,
                text=silence_text(partnership, side, sponsor_ids, [user for _, user in leads]),
            )
    return None


PERFORMERS = {"feedback_ask": ask, "feedback_report": report}
