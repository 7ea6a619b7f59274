"""How far a running feedback cycle has got: how many people of each side have answered so far (a count, never
who, so it is safe for anonymous cycles too)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.feedback.models import FeedbackCycle, FeedbackResponse
from bot.partnerships.models import SIDES, Partnership


def running_cycle(session: Session, partnership: Partnership, now: datetime) -> FeedbackCycle | None:
    """The cycle answers count in now: open and not yet closed (it may have been opened early by feedback given
    before its first ask)."""
    return session.scalar(
        select(FeedbackCycle)
        .where(
            FeedbackCycle.partnership_id == partnership.id,
            FeedbackCycle.status == "open",
            FeedbackCycle.closes_at > now,
        )
        .order_by(FeedbackCycle.opens_at)
        .limit(1)
    )


def answers_by_side(session: Session, cycle: FeedbackCycle) -> dict[str, int]:
    counted = session.execute(
        select(FeedbackResponse.giver_side, func.count())
        .where(FeedbackResponse.cycle_id == cycle.id)
        .group_by(FeedbackResponse.giver_side)
    )
    return {side: 0 for side in SIDES} | {side: number for side, number in counted}
