"""Automatic celebrations, each owed once by a unique key: anniversaries, days without a P1, check-in
streaks, and a feedback score at a new high."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.claims import schedule_send
from bot.escalations.models import Escalation
from bot.feedback import service as feedback
from bot.feedback.models import FeedbackCycle
from bot.partnerships.models import Partnership, other_side
from bot.rhythms.calendar import local_date, local_instant
from bot.rhythms.models import Checkin
from bot.slack.text import escape

NO_P1_DAYS = (30, 90, 180, 365)
STREAKS = (10, 25, 50, 100)


def _post(session: Session, partnership: Partnership, key: str, due_at: datetime, text: str) -> None:
    schedule_send(
        session,
        key=f"celebrate:{partnership.id}:{key}",
        kind="post",
        due_at=due_at,
        payload={"channel": partnership.channel_id, "text": text},
    )


def plan_for(session: Session, partnership: Partnership) -> None:
    """Owe a new partnership its first anniversary and its days-without-a-P1 counts."""
    owe_anniversary(session, partnership, 1)
    owe_no_p1(session, partnership, partnership.created_at)
    partnership.celebrations_planned = True


def anniversary_day(started: date, years: int) -> date:
    try:
        return started.replace(year=started.year + years)
    except ValueError:  # 29 February: celebrate on the 28th
        return started.replace(year=started.year + years, day=28)


def owe_anniversary(session: Session, partnership: Partnership, years: int) -> None:
    day = anniversary_day(local_date(partnership.created_at, partnership.timezone), years)
    schedule_send(
        session,
        key=f"celebrate:{partnership.id}:anniversary:{years}",
        kind="celebrate_anniversary",
        due_at=local_instant(day, time(10, 0), partnership.timezone),
        subject_id=partnership.id,
        payload={"years": years},
    )


def owe_no_p1(session: Session, partnership: Partnership, since: datetime) -> None:
    """Counted from setup, and again from each P1: the keys carry the start, so each run celebrates anew."""
    for days in NO_P1_DAYS:
        schedule_send(
            session,
            key=f"celebrate:{partnership.id}:no_p1:{days}:{since.isoformat()}",
            kind="celebrate_no_p1",
            due_at=since + timedelta(days=days),
            subject_id=partnership.id,
            payload={"days": days, "since": since.isoformat()},
        )


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


def perfect(checkin: Checkin) -> bool:
    """Everyone expected answered on time (and someone was expected)."""
    if checkin.status != "sent" or not checkin.expected:
        return False
    on_time = {(a.team_id, a.user_id) for a in checkin.answers if not a.late}
    return all((p["team"], p["user"]) in on_time for p in checkin.expected)


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
            f":fire: *{length} check-ins in a row* with everyone answering on time. Well done, both teams!",
        )


def owe_feedback_highs(session: Session, partnership: Partnership, cycle: FeedbackCycle, now: datetime) -> None:
    """A direction's overall score above every earlier cycle's is a new high (the first cycle sets the bar)."""
    report = feedback.build_report(session, partnership, cycle)
    earlier = [c for c in feedback.closed_cycles(session, partnership, cycle.opens_at) if c.id != cycle.id]
    for direction in report.directions:
        if direction.overall is None or not earlier:
            continue
        before = []
        for earlier_cycle in earlier:  # only scores that were shown: a hidden small group stays hidden
            answers, scores = feedback.direction_scores(earlier_cycle, direction.giver)
            if scores and not (earlier_cycle.anonymous and answers < feedback.ANONYMITY_THRESHOLD):
                before.append(feedback.overall(scores))
        if before and direction.overall > max(before):
            giver, about = partnership.org_of(direction.giver), partnership.org_of(other_side(direction.giver))
            _post(
                session,
                partnership,
                f"feedback_high:{cycle.id}:{direction.giver}",
                now,
                f":star2: *A new high*: {escape(giver)} rates {escape(about)} {direction.overall:.1f}/5 in feedback "
                f"cycle {cycle.number}, the best yet (previous best {max(before):.1f}).",
            )
