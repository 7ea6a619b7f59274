"""The quarterly incentive review over time: opened on the review month's first business day (10:00 local),
the leads and sponsors of both sides asked, and the report posted when it closes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.claims import SendJob
from bot.incentives import service as incentives
from bot.incentives.blocks import ask_blocks, report_blocks
from bot.incentives.models import IncentiveReview, IncentiveTerms
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.workdays import WorkCalendar, work_calendar
from schedules.messages import tell


def plan_incentive_reviews(rt: Runtime, now: datetime) -> None:
    """Open each partnership's quarter's review once it is due. Three queries a tick, whatever the number of
    partnerships: holidays are only read for a partnership whose review may be opening."""
    with rt.db.session() as session:
        terms = {t.partnership_id: t for t in session.scalars(select(IncentiveTerms))}
        opened = set(
            session.execute(
                select(IncentiveReview.partnership_id, IncentiveReview.key).where(
                    IncentiveReview.opened_at >= now - timedelta(days=200)
                )
            ).all()
        )
        for partnership in session.scalars(select(Partnership)):
            mine = terms.get(partnership.id) or IncentiveTerms(partnership_id=partnership.id, paid_for="")
            # Without holidays the opening can only be earlier: a cheap first look.
            rough = WorkCalendar(partnership.timezone, tuple(partnership.business_days))
            due = incentives.due_review(partnership, mine, rough, now)
            if due is None or (partnership.id, due[0]) in opened:
                continue
            calendar = work_calendar(session, partnership)
            due = incentives.due_review(partnership, mine, calendar, now)
            if due is not None and (partnership.id, due[0]) not in opened:
                incentives.open_review(session, partnership, calendar, key=due[0], now=due[1])


def ask(rt: Runtime, job: SendJob) -> str | None:
    with rt.db.session() as session:
        review = session.get(IncentiveReview, job.subject_id)
        if review is None or review.closed_at is not None:
            return "dropped"
        partnership = review.partnership
        text, blocks = ask_blocks(partnership, review)
        people = [(m.team_id, m.user_id) for m in incentives.asked(partnership)]
        tell(session, key=job.key, due_at=job.due_at, partnership=partnership, people=people, text=text, blocks=blocks)
    return None


def close(rt: Runtime, job: SendJob) -> str | None:
    now = rt.clock.now()
    with rt.db.session() as session:
        review = session.get(IncentiveReview, job.subject_id)
        if review is None:
            return "dropped"
        incentives.close_review(session, review, now)
        title, blocks = report_blocks(review.partnership, incentives.review_report(review))
        channel = review.partnership.channel_id
    # Closing is stored first; a retry after a Slack error posts the same report again from the stored answers.
    rt.gateway.post_message(channel=channel, text=title, blocks=blocks)
    return None


PERFORMERS = {"incentive_ask": ask, "incentive_close": close}
