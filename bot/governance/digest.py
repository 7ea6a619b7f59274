"""The digest: when each partnership's next one is due, and the figures of its period. No Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.actions.models import Action
from bot.decisions import service as decisions
from bot.decisions.models import Decision
from bot.escalations.models import Escalation
from bot.feedback.models import FeedbackCycle, FeedbackResponse
from bot.governance.service import HealthReading, reading
from bot.incentives import service as incentives
from bot.incentives.service import ReviewReport
from bot.kpis import service as kpis
from bot.kpis.service import ScorecardState
from bot.kudos.models import Kudos
from bot.milestones.models import Milestone
from bot.partnerships.models import SIDES, Partnership
from bot.rhythms.models import Answer, Checkin
from bot.workdays import WorkCalendar, local_date, local_instant

SEND_AT = time(9, 0)
FORTNIGHT_ANCHOR = date(2024, 1, 1)  # a Monday: fortnightly digests go out in the even weeks since it
PERIOD_LENGTH = {"weekly": timedelta(days=7), "biweekly": timedelta(days=14), "monthly": timedelta(days=30)}


def period_of(cadence: str, today: date) -> tuple[date, date]:
    """The [first, last] days of the digest period holding `today`."""
    if cadence == "monthly":
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    if cadence == "biweekly" and ((monday - FORTNIGHT_ANCHOR).days // 7) % 2:
        monday -= timedelta(days=7)
    return monday, monday + timedelta(days=13 if cadence == "biweekly" else 6)


def send_moment(cadence: str, today: date, calendar: WorkCalendar) -> tuple[date, datetime] | None:
    """The period holding `today` and when its digest goes: 09:00 local on its first business day. None when
    digests are off or the period has no business day."""
    if cadence == "off":
        return None
    first, last = period_of(cadence, today)
    day = first
    while day <= last and not calendar.is_business_day(day):
        day += timedelta(days=1)
    if day > last:
        return None
    return first, local_instant(day, SEND_AT, calendar.timezone)


def previous_period_start(cadence: str, first: date) -> date:
    return period_of(cadence, first - timedelta(days=1))[0]


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    health: HealthReading
    checkins: int
    expected: int
    on_time: int
    missing: list[str]  # user ids asked and silent, most often first
    opened: int
    resolved: int
    breached: int
    cycle: FeedbackCycle | None
    cycle_answers: dict[str, int]  # side -> answers so far
    milestones_due: list[Milestone]
    milestones_landed: list[Milestone]
    kudos: dict[str, int]  # "client→vendor", "vendor→client"
    overdue_actions: list[Action]
    decisions_awaiting: dict[str, list[Decision]]  # side -> decisions waiting on it
    scorecard: ScorecardState | None  # None without KPIs
    incentives: ReviewReport | None  # the latest incentive review


def digest(session: Session, partnership: Partnership, since: datetime, until: datetime) -> Digest:
    pid, today = partnership.id, local_date(until, partnership.timezone)
    checkins = list(
        session.execute(
            select(Checkin.id, Checkin.expected).where(
                Checkin.partnership_id == pid,
                Checkin.status == "sent",
                Checkin.closes_at > since,
                Checkin.closes_at <= until,
            )
        ).all()
    )
    answered: dict[int, dict[str, bool]] = {}
    if checkins:
        for checkin_id, user, late in session.execute(
            select(Answer.checkin_id, Answer.user_id, Answer.late)
            .where(Answer.checkin_id.in_([c for c, _ in checkins]))
            .order_by(Answer.answered_at)
        ).all():
            answered.setdefault(checkin_id, {}).setdefault(user, late)
    missing: dict[str, int] = {}
    expected = on_time = 0
    for checkin_id, people in checkins:
        for person in people:
            expected += 1
            late = answered.get(checkin_id, {}).get(person["user"])
            if late is None:
                missing[person["user"]] = missing.get(person["user"], 0) + 1
            elif not late:
                on_time += 1
    mine = Escalation.partnership_id == pid

    def escalations(*where) -> int:
        return session.scalar(select(func.count()).select_from(Escalation).where(mine, *where))

    cycle = session.scalar(
        select(FeedbackCycle)
        .where(FeedbackCycle.partnership_id == pid, FeedbackCycle.opens_at <= until)
        .order_by(FeedbackCycle.opens_at.desc())
        .limit(1)
    )
    cycle_answers = (
        dict(
            session.execute(
                select(FeedbackResponse.giver_side, func.count())
                .where(FeedbackResponse.cycle_id == cycle.id)
                .group_by(FeedbackResponse.giver_side)
            ).all()
        )
        if cycle
        else {}
    )
    kudos = {
        f"{giver}→{receiver}": n
        for giver, receiver, n in session.execute(
            select(Kudos.giver_side, Kudos.receiver_side, func.count())
            .where(Kudos.partnership_id == pid, Kudos.given_at > since, Kudos.given_at <= until)
            .group_by(Kudos.giver_side, Kudos.receiver_side)
        ).all()
    }
    return Digest(
        since=since,
        until=until,
        health=reading(session, partnership, until),
        checkins=len(checkins),
        expected=expected,
        on_time=on_time,
        missing=[user for user, _ in sorted(missing.items(), key=lambda item: (-item[1], item[0]))],
        opened=escalations(Escalation.raised_at > since, Escalation.raised_at <= until),
        resolved=escalations(Escalation.resolved_at > since, Escalation.resolved_at <= until),
        breached=escalations(
            (Escalation.ack_breached_at > since) & (Escalation.ack_breached_at <= until)
            | (Escalation.resolve_breached_at > since) & (Escalation.resolve_breached_at <= until)
        ),
        cycle=cycle,
        cycle_answers=cycle_answers,
        milestones_due=list(
            session.scalars(
                select(Milestone)
                .where(
                    Milestone.partnership_id == pid,
                    Milestone.status == "open",
                    Milestone.due_date <= today + timedelta(days=14),
                )
                .order_by(Milestone.due_date)
                .limit(10)
            )
        ),
        milestones_landed=list(
            session.scalars(
                select(Milestone)
                .where(Milestone.partnership_id == pid, Milestone.done_at > since, Milestone.done_at <= until)
                .order_by(Milestone.done_at)
                .limit(10)
            )
        ),
        kudos={"client→vendor": kudos.get("client→vendor", 0), "vendor→client": kudos.get("vendor→client", 0)},
        overdue_actions=list(
            session.scalars(
                select(Action)
                .where(Action.partnership_id == pid, Action.status == "open", Action.due_date < today)
                .order_by(Action.due_date, Action.number)
                .limit(10)
            )
        ),
        decisions_awaiting={side: decisions.awaiting_side(session, partnership, side) for side in SIDES},
        scorecard=kpis.scorecard_state(rows) if (rows := kpis.scorecard(session, partnership, until)) else None,
        incentives=incentives.latest_report(session, partnership, until),
    )
