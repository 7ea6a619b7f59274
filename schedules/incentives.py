"""The quarterly incentive review over time: opened on the review month's first business day (10:00 local),
the leads and sponsors of both sides asked, and the report posted when it closes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.claims import SendJob
from bot.incentives import service as incentives
from bot.incentives.blocks import ask_blocks, report_blocks
from bot.incentives.models import IncentiveReview, IncentiveTerms
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.workdays import WorkCalendar, local_date, work_calendar
from schedules.messages import tell


def plan_incentive_reviews(rt: Runtime, now: datetime) -> None:
    """Open each partnership's quarter's review once it is due. Three small queries a tick, whatever the number of
    partnerships: a partnership's holidays are only read when its review may be opening."""
    with rt.db.session() as session:
        chosen = dict(session.execute(select(IncentiveTerms.partnership_id, IncentiveTerms.review_month)).all())
        opened = set(
            session.execute(
                select(IncentiveReview.partnership_id, IncentiveReview.key).where(
                    IncentiveReview.opened_at >= now - timedelta(days=200)
                )
            ).all()
        )
        rows = session.execute(
            select(Partnership.id, Partnership.timezone, Partnership.business_days, Partnership.created_at)
        ).all()
        this_month: dict[str, date] = {}
        for partnership_id, tz, business_days, set_up_at in rows:
            month = incentives.month_of(chosen.get(partnership_id), set_up_at, tz)
            if tz not in this_month:
                this_month[tz] = local_date(now, tz).replace(day=1)
            latest = incentives.latest_review_month(this_month[tz], month)
            if (partnership_id, latest.strftime("%Y-%m")) in opened or latest <= local_date(set_up_at, tz):
                continue  # this quarter's review is open already, or the first quarter since setup is not over
            # Without holidays the opening can only be earlier: a cheap first look.
            due = incentives.due_review(set_up_at, month, WorkCalendar(tz, tuple(business_days)), now)
            if due is None or (partnership_id, due[0]) in opened:
                continue
            partnership = session.get(Partnership, partnership_id)
            calendar = work_calendar(session, partnership)
            due = incentives.due_review(set_up_at, month, calendar, now)
            if due is not None and (partnership_id, due[0]) not in opened:
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
