"""Moving the playground clock forward and running the scheduler at once, so that what is scheduled
(check-ins, nudges, summaries, feedback cycles, SLA reminders, milestone reminders, celebrations)
can be seen in minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.claims import ScheduledSend
from bot.partnerships.models import Partnership
from bot.rhythms.models import Rhythm

STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


def next_due(db, now: datetime) -> datetime | None:
    """The earliest moment after `now` at which the bot has something to send (read-only)."""
    queries = [
        select(func.min(ScheduledSend.due_at)).where(ScheduledSend.status == "pending", ScheduledSend.due_at > now),
        select(func.min(Rhythm.next_run_at)).where(
            Rhythm.next_run_at > now, Rhythm.paused.is_(False), Rhythm.removed_at.is_(None)
        ),
        select(func.min(Partnership.feedback_next_open_at)).where(Partnership.feedback_next_open_at > now),
    ]
    with db.engine.connect() as connection:
        found = [connection.execute(query).scalar() for query in queries]
    found = [moment for moment in found if moment is not None]
    return min(found) if found else None


def travel(clock, db, scheduler, step: str) -> dict:
    """Move the clock by `step` (hour, day, week, or next: to the next scheduled send) and tick."""
    if step == "next":
        target = next_due(db, clock.now())
        if target is None:
            return {
                "moved": False,
                "note": "Nothing is scheduled yet: add a rhythm, raise an escalation or a milestone.",
            }
        clock.advance_to(target)
    elif step in STEPS:
        clock.advance(STEPS[step])
    else:
        raise ValueError(f"unknown step {step!r}")
    performed = scheduler.tick()
    return {"moved": True, "now": clock.now().isoformat(), "performed": performed}
