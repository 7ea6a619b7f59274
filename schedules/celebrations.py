"""Celebrations and milestone reminders over time."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot import moments
from bot.celebrations import service as celebrations
from bot.celebrations.blocks import anniversary_text, no_p1_text
from bot.claims import SendJob
from bot.milestones.blocks import reminder_text
from bot.milestones.models import Milestone
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from schedules.scheduler import PLAN_BATCH, probed


@probed(lambda now: moments.any_due("celebrations", now))
def plan_celebrations(rt: Runtime, now: datetime) -> None:
    """New partnerships are owed their automatic celebrations once (picked up within a tick of setup), one
    batch a tick so that many new partnerships at once never hold up the sends already due."""
    with rt.db.session() as session:
        looks = moments.due(session, "celebrations", now, PLAN_BATCH)
        ids = [partnership_id for partnership_id, _ in looks]
        found = session.scalars(select(Partnership).where(Partnership.id.in_(ids))).all()
        celebrations.plan_for(session, [p for p in found if not p.celebrations_planned])
        for partnership_id, seen in looks:
            moments.move(session, "celebrations", partnership_id, seen, moments.NEVER)


def anniversary(rt: Runtime, job: SendJob) -> str | None:
    years = job.payload["years"]
    with rt.db.session() as session:
        partnership = session.get(Partnership, job.subject_id)
        if partnership is None:
            return "dropped"
        text = anniversary_text(partnership, years, *celebrations.shared_so_far(session, partnership))
        celebrations.owe_anniversary(session, partnership, years + 1)
        channel = partnership.channel_id
    rt.gateway.post_message(channel=channel, text=text, **job.once)
    return None


def no_p1(rt: Runtime, job: SendJob) -> str | None:
    with rt.db.session() as session:
        partnership = session.get(Partnership, job.subject_id)
        if partnership is None or celebrations.p1_since(
            session, partnership, datetime.fromisoformat(job.payload["since"])
        ):
            return "dropped"
        channel = partnership.channel_id
    rt.gateway.post_message(channel=channel, text=no_p1_text(job.payload["days"]), **job.once)
    return None


def milestone_reminder(rt: Runtime, job: SendJob) -> str | None:
    with rt.db.session() as session:
        milestone = session.get(Milestone, job.subject_id)
        if (
            milestone is None
            or milestone.status != "open"
            or milestone.due_date != date.fromisoformat(job.payload["due"])
        ):
            return "dropped"  # done, removed or moved since this was owed
        channel = milestone.partnership.channel_id
        text = reminder_text(milestone, job.payload["when"])
    rt.gateway.post_message(channel=channel, text=text, **job.once)
    return None


PERFORMERS = {"celebrate_anniversary": anniversary, "celebrate_no_p1": no_p1, "milestone_reminder": milestone_reminder}
