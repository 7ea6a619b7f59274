"""The quarterly incentive review over time: opened on the review month's first business day (10:00 local),
the leads and sponsors of both sides asked, and the report posted when it closes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot import moments
from bot.claims import SendJob
from bot.incentives import service as incentives
from bot.incentives.blocks import ask_blocks, report_blocks
from bot.incentives.models import IncentiveReview, IncentiveTerms
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.workdays import work_calendars
from schedules.messages import tell
from schedules.scheduler import PLAN_BATCH, probed


@probed(lambda now: moments.any_due("incentive_review", now))
def plan_incentive_reviews(rt: Runtime, now: datetime) -> None:
    """Open each partnership's quarter's review once it is due. Only partnerships whose moment has come are read,
    a batch a tick; each look stores when the next quarter's review opens."""
    with rt.db.session() as session:
        looks = moments.due(session, "incentive_review", now, PLAN_BATCH)
        if not looks:
            return
        ids = [partnership_id for partnership_id, _ in looks]
        found = {p.id: p for p in session.scalars(select(Partnership).where(Partnership.id.in_(ids)))}
        chosen = dict(
            session.execute(
                select(IncentiveTerms.partnership_id, IncentiveTerms.review_month).where(
                    IncentiveTerms.partnership_id.in_(ids)
                )
            ).all()
        )
        opened = set(
            session.execute(
                select(IncentiveReview.partnership_id, IncentiveReview.key).where(
                    IncentiveReview.partnership_id.in_(ids), IncentiveReview.opened_at >= now - timedelta(days=200)
                )
            ).all()
        )
        calendars = work_calendars(session, list(found.values()))
        for partnership_id, seen in looks:
            partnership, calendar = found[partnership_id], calendars[partnership_id]
            month = incentives.month_of(chosen.get(partnership_id), partnership.created_at, partnership.timezone)
            due = incentives.due_review(partnership.created_at, month, calendar, now)
            if due is not None and (partnership_id, due[0]) not in opened:
                incentives.open_review(session, partnership, calendar, key=due[0], now=due[1])
            terms = IncentiveTerms(review_month=chosen.get(partnership_id))  # not stored: what next_review reads
            moments.move(session, "incentive_review", partnership_id, seen,
                         incentives.next_review(partnership, terms, calendar, now))  # fmt: skip


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
