"""Automatic celebrations, each owed once by a unique key: anniversaries, days without a P1, check-in
streaks, and a feedback score at a new high."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bot.celebrations.blocks import feedback_high_text, streak_text
from bot.claims import Owed, owe_post, schedule_sends
from bot.escalations.models import Escalation
from bot.feedback import cycles
from bot.feedback import service as feedback
from bot.feedback.models import FeedbackCycle
from bot.kudos.models import Kudos
from bot.partnerships.models import Partnership, other_side
from bot.rhythms.answers import perfect
from bot.rhythms.models import Checkin
from bot.workdays import local_date, local_instant

NO_P1_DAYS = (30, 90, 180, 365)
STREAKS = (10, 25, 50, 100)


def _post(session: Session, partnership: Partnership, key: str, due_at: datetime, text: str) -> None:
    owe_post(session, key=f"celebrate:{partnership.id}:{key}", due_at=due_at, channel=partnership.channel_id, text=text)


def plan_for(session: Session, partnerships: list[Partnership]) -> None:
    """Owe new partnerships their first anniversary and their days-without-a-P1 counts: all in one statement."""
    schedule_sends(session, [send for p in partnerships for send in (_anniversary(p, 1), *_no_p1(p, p.created_at))])
    for partnership in partnerships:
        partnership.celebrations_planned = True


def anniversary_day(started: date, years: int) -> date:
    try:
        return started.replace(year=started.year + years)
    except ValueError:  # 29 February: celebrate on the 28th
        return started.replace(year=started.year + years, day=28)


def owe_anniversary(session: Session, partnership: Partnership, years: int) -> None:
    schedule_sends(session, [_anniversary(partnership, years)])


def _anniversary(partnership: Partnership, years: int) -> Owed:
    day = anniversary_day(local_date(partnership.created_at, partnership.timezone), years)
    return Owed(
        key=f"celebrate:{partnership.id}:anniversary:{years}",
        kind="celebrate_anniversary",
        due_at=local_instant(day, time(10, 0), partnership.timezone),
        subject_id=partnership.id,
        payload={"years": years},
    )


def owe_no_p1(session: Session, partnership: Partnership, since: datetime) -> None:
    schedule_sends(session, _no_p1(partnership, since))


def _no_p1(partnership: Partnership, since: datetime) -> list[Owed]:
    """Counted from setup, and again from each P1: the keys carry the start, so each run celebrates anew."""
    return [
        Owed(
            key=f"celebrate:{partnership.id}:no_p1:{days}:{since.isoformat()}",
            kind="celebrate_no_p1",
            due_at=since + timedelta(days=days),
            subject_id=partnership.id,
            payload={"days": days, "since": since.isoformat()},
        )
        for days in NO_P1_DAYS
    ]


def p1_since(session: Session, partnership: Partnership, since: datetime) -> bool:
    return (
        session.scalar(
            select(Escalation.id)
            .where(
                Escalation.partnership_id == partnership.id, Escalation.severity == "P1", Escalation.raised_at > since
            )
            .limit(1)
        )
        is not None
    )


def owe_streak(session: Session, partnership: Partnership, now: datetime) -> None:
    """At a check-in's close: a run of perfect check-ins reaching 10, 25, 50 or 100 is celebrated once."""
    closed = session.scalars(
        select(Checkin)
        .where(Checkin.partnership_id == partnership.id, Checkin.closes_at <= now)
        .options(selectinload(Checkin.answers))
        .order_by(Checkin.closes_at.desc())
        .limit(max(STREAKS) + 1)
    )
    run: list[Checkin] = []
    for checkin in closed:
        if not perfect(checkin):
            break
        run.append(checkin)
    # Every threshold this run has reached is owed once (keyed by where the run began): two rhythms closing
    # together can step over 25 without landing on it.
    for length in (n for n in STREAKS if n <= len(run)):
        _post(
            session,
            partnership,
            f"streak:{length}:{run[-1].id}",
            now,
            streak_text(length),
        )


def owe_feedback_highs(session: Session, partnership: Partnership, cycle: FeedbackCycle, now: datetime) -> None:
    """A direction's overall score above every earlier cycle's is a new high (the first cycle sets the bar)."""
    report = feedback.build_report(session, partnership, cycle)
    earlier = [c for c in cycles.closed_cycles(session, partnership, cycle.opens_at) if c.id != cycle.id]
    for direction in report.directions:
        if direction.overall is None or not earlier:
            continue
        # Only scores that were shown count: a hidden small group stays hidden.
        before = [s for c in earlier if (s := feedback.shown_overall(c, direction.giver)) is not None]
        if before and direction.overall > max(before):
            giver, about = partnership.org_of(direction.giver), partnership.org_of(other_side(direction.giver))
            _post(
                session,
                partnership,
                f"feedback_high:{cycle.id}:{direction.giver}",
                now,
                feedback_high_text(giver, about, direction.overall, cycle.number, max(before)),
            )


def shared_so_far(session: Session, partnership: Partnership) -> tuple[int, int]:
    """(check-ins sent, kudos given) in the partnership so far: what an anniversary looks back on."""
    checkins = session.scalar(
        select(func.count()).where(Checkin.partnership_id == partnership.id, Checkin.status == "sent")
    )
    kudos = session.scalar(select(func.count()).where(Kudos.partnership_id == partnership.id))
    return checkins, kudos
