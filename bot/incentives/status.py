"""What `/partner status` and the appraisal pre-read read of incentives, as part of their one gathered statement
(bot/gather.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import select

from bot.gather import Gather
from bot.incentives.models import IncentiveAnswer, IncentiveReview, IncentiveTerms
from bot.incentives.service import ReviewReport, next_review, review_report
from bot.partnerships.models import Partnership
from bot.workdays import work_calendar_read


def status_read(
    gather: Gather, partnership: Partnership, now: datetime
) -> Callable[[], tuple[ReviewReport | None, datetime]]:
    """The latest review's report and when the next review opens, in a gathered read: the terms, the latest
    review with its answers and the holidays (transient copies, for reading)."""
    pid = partnership.id
    terms = gather.entities(
        IncentiveTerms, lambda p: select(IncentiveTerms).where(IncentiveTerms.partnership_id == p.pid), first=1, pid=pid
    )
    latest = gather.entities(
        IncentiveReview,
        lambda p: select(IncentiveReview).where(IncentiveReview.id == _latest_id(p.pid)),
        first=1,
        pid=pid,
    )
    answers = gather.entities(
        IncentiveAnswer,
        lambda p: select(IncentiveAnswer).where(IncentiveAnswer.review_id == _latest_id(p.pid)),
        sort=lambda a: a.id,
        pid=pid,
    )
    calendar = work_calendar_read(gather, partnership)

    def finish() -> tuple[ReviewReport | None, datetime]:
        review = next(iter(latest.get()), None)
        if review is not None:
            review.answers = answers.get()
        written = next(iter(terms.get()), None) or IncentiveTerms(partnership_id=pid, paid_for="")
        return (review_report(review) if review else None), next_review(partnership, written, calendar(), now)

    return finish


def latest_report_read(gather: Gather, partnership: Partnership, until: datetime) -> Callable[[], ReviewReport | None]:
    """`service.latest_report` in a gathered read: the latest review opened by `until`, with its answers."""
    latest = gather.entities(
        IncentiveReview,
        lambda p: select(IncentiveReview).where(IncentiveReview.id == _latest_id(p.pid, p.until)),
        first=1,
        pid=partnership.id,
        until=until,
    )
    answers = gather.entities(
        IncentiveAnswer,
        lambda p: select(IncentiveAnswer).where(IncentiveAnswer.review_id == _latest_id(p.pid, p.until)),
        sort=lambda a: a.id,
        pid=partnership.id,
        until=until,
    )

    def finish() -> ReviewReport | None:
        review = next(iter(latest.get()), None)
        if review is None:
            return None
        review.answers = answers.get()
        return review_report(review)

    return finish


def _latest_id(partnership_id, until=None):
    """The latest review's id (opened by `until`, when given)."""
    opened = () if until is None else (IncentiveReview.opened_at <= until,)
    return (
        select(IncentiveReview.id)
        .where(IncentiveReview.partnership_id == partnership_id, *opened)
        .order_by(IncentiveReview.opened_at.desc(), IncentiveReview.id.desc())
        .limit(1)
        .correlate(None)
        .scalar_subquery()
    )
