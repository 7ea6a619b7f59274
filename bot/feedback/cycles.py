"""Feedback cycles: when each opens (every few weeks, on the partnership's first working morning), which one takes
answers, and the closed ones a report compares with. No Slack."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, literal_column, select
from sqlalchemy.orm import Session

from bot.claims import schedule_send
from bot.db import insert_once
from bot.errors import UserError
from bot.feedback.models import FeedbackCycle
from bot.feedback.progress import running_cycle
from bot.numbering import next_number
from bot.partnerships.models import Member, Partnership
from bot.partnerships.service import first_working_morning, require_lead
from bot.workdays import local_instant

WEEK_CHOICES = (0, 1, 2, 3, 4, 6, 8)


def set_cycle(
    session: Session, partnership: Partnership, actor: Member, *, weeks: int, anonymous: bool, now: datetime
) -> None:
    """Leads set the rhythm and anonymity. The open cycle keeps its dates and its anonymity."""
    require_lead(actor, "change feedback cycles")
    if weeks not in WEEK_CHOICES:
        raise UserError("Choose how many weeks a cycle lasts.")
    was_off = partnership.feedback_weeks == 0
    partnership.feedback_weeks, partnership.feedback_anonymous = weeks, anonymous
    current = current_cycle(session, partnership, now)
    if weeks == 0:
        partnership.feedback_next_open_at = None
    elif current is not None:
        partnership.feedback_next_open_at = current.closes_at
    elif was_off or partnership.feedback_next_open_at is None:
        partnership.feedback_next_open_at = first_working_morning(partnership, now)


def weeks_later(partnership: Partnership, moment: datetime) -> datetime:
    """The same local wall time N weeks on: cycles stay at 10:00 local across daylight-saving changes."""
    local = moment.astimezone(ZoneInfo(partnership.timezone))
    day = local.date() + timedelta(weeks=partnership.feedback_weeks)
    return local_instant(day, local.time().replace(tzinfo=None), partnership.timezone)


def reschedule(session: Session, partnership: Partnership, now: datetime) -> None:
    """After a change of timezone or business days, a cycle not yet open starts at the new local morning."""
    if partnership.feedback_weeks and current_cycle(session, partnership, now) is None:
        partnership.feedback_next_open_at = first_working_morning(partnership, now)


# Both reads of the tick are written as the partial index ix_partnerships_feedback_due is, its 0 as written: a bound
# 0 does not prove the index's predicate to SQLite, nor to a plan PostgreSQL keeps for any parameters.
CYCLES_ON = Partnership.feedback_weeks > literal_column("0", Integer)


def due_partnerships(session: Session, now: datetime, limit: int) -> list[Partnership]:
    """The earliest due first. In that order the index is the cheapest way in whatever the planner guesses, so a
    plan kept for any `now` (psycopg prepares a statement run again and again) does not scan the table."""
    return list(
        session.scalars(
            select(Partnership)
            .where(Partnership.feedback_next_open_at <= now, CYCLES_ON)
            .order_by(Partnership.feedback_next_open_at, Partnership.id)
            .limit(limit)
        )
    )


def schedule_unplanned(session: Session, now: datetime, limit: int) -> None:
    """Partnerships with cycles on but no opening yet (set up before cycles existed) get their first one."""
    for partnership in session.scalars(
        select(Partnership).where(Partnership.feedback_next_open_at.is_(None), CYCLES_ON).limit(limit)
    ).all():
        partnership.feedback_next_open_at = first_working_morning(partnership, now)


def open_due_cycle(session: Session, partnership: Partnership, now: datetime) -> None:
    """Open the cycle that has come due (once, by its unique start) and owe its asks and its report.
    Cycles follow each other: the next opens when this one closes."""
    opens = partnership.feedback_next_open_at
    closes = weeks_later(partnership, opens)
    while closes <= now:  # we were down for whole cycles: start from the one running now
        opens, closes = closes, weeks_later(partnership, closes)
    cycle_id = insert_once(
        session,
        FeedbackCycle.__table__,
        partnership_id=partnership.id,
        number=next_number(session, FeedbackCycle, partnership.id),
        opens_at=opens,
        closes_at=closes,
        anonymous=partnership.feedback_anonymous,
        status="open",
    )
    if cycle_id is not None:
        schedule_send(session, key=f"feedback:{cycle_id}:ask", kind="feedback_ask", due_at=opens, subject_id=cycle_id)
        schedule_send(
            session, key=f"feedback:{cycle_id}:report", kind="feedback_report", due_at=closes, subject_id=cycle_id
        )
    partnership.feedback_next_open_at = closes


def current_cycle(session: Session, partnership: Partnership, now: datetime) -> FeedbackCycle | None:
    return session.scalar(
        select(FeedbackCycle).where(
            FeedbackCycle.partnership_id == partnership.id, FeedbackCycle.opens_at <= now, FeedbackCycle.closes_at > now
        )
    )


def cycle_for_giving(session: Session, partnership: Partnership, now: datetime) -> FeedbackCycle | None:
    """Feedback given any time counts in the running cycle, or — before the first one asks — in the one
    about to open, which is opened early for it. None when cycles are off."""

    found = running_cycle(session, partnership, now)
    if found is None and partnership.feedback_weeks and partnership.feedback_next_open_at is not None:
        open_due_cycle(session, partnership, partnership.feedback_next_open_at)
        found = running_cycle(session, partnership, now)
    return found


def latest_closed_cycle(session: Session, partnership: Partnership) -> FeedbackCycle | None:
    return session.scalar(
        select(FeedbackCycle)
        .where(FeedbackCycle.partnership_id == partnership.id, FeedbackCycle.status == "closed")
        .order_by(FeedbackCycle.closes_at.desc())
        .limit(1)
    )


def closed_cycles(session: Session, partnership: Partnership, before: datetime) -> list[FeedbackCycle]:
    """Closed cycles that ended by `before`, newest first."""
    return list(
        session.scalars(
            select(FeedbackCycle)
            .where(
                FeedbackCycle.partnership_id == partnership.id,
                FeedbackCycle.status == "closed",
                FeedbackCycle.closes_at <= before,
            )
            .order_by(FeedbackCycle.closes_at.desc())
        )
    )
