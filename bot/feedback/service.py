"""The rules of feedback cycles: opening them, answers (attributed or anonymous), repeats, the report."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError
from rapidfuzz import fuzz, utils
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.actions.models import Action
from bot.claims import schedule_send
from bot.db import insert_once
from bot.errors import UserError
from bot.feedback.models import DIMENSIONS, FeedbackCycle, FeedbackPoint, FeedbackResponse
from bot.gather import Gather, gathered
from bot.numbering import next_number
from bot.partnerships.models import SIDES, Member, Partnership
from bot.partnerships.service import first_working_morning, form_errors, require_lead
from bot.validation import Typed
from bot.workdays import local_instant

ANONYMITY_THRESHOLD = 3  # the other side sees a side's scores only when at least this many answered
# rapidfuzz token_set_ratio on normalised text; chosen on the examples in tests/test_feedback_rules.py,
# where restatements score 74-100 and different points at most 71.
SAME_POINT_SCORE = 73
WEEK_CHOICES = (0, 1, 2, 3, 4, 6, 8)
REPEAT_LOOKBACK = 26  # cycles searched for an earlier statement of a point (a year at the default rhythm)


class FeedbackForm(BaseModel):
    quality: int = Field(ge=1, le=5)
    communication: int = Field(ge=1, le=5)
    responsiveness: int = Field(ge=1, le=5)
    proactivity: int = Field(ge=1, le=5)
    recommend: int = Field(ge=0, le=10)
    working: Typed = Field(default="", max_length=2000)
    change: Typed = Field(default="", max_length=2000)
    self_change: Typed = Field(default="", max_length=2000)


def feedback_from_form(values: dict) -> tuple[FeedbackForm | None, dict[str, str]]:
    data = {key: value for key, value in values.items() if value not in (None, "")}
    try:
        return FeedbackForm(**data), {}
    except ValidationError as exc:
        errors = form_errors(exc)
        return None, {
            field: ("Choose one." if "required" in message.lower() else message) for field, message in errors.items()
        }


# -- cycles ----------------------------------------------------------------------------------------


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


def due_partnerships(session: Session, now: datetime, limit: int) -> list[Partnership]:
    """Both reads of the tick are written as the partial index ix_partnerships_feedback_due is."""
    return list(
        session.scalars(
            select(Partnership)
            .where(Partnership.feedback_next_open_at <= now, Partnership.feedback_weeks > 0)
            .limit(limit)
        )
    )


def schedule_unplanned(session: Session, now: datetime, limit: int) -> None:
    """Partnerships with cycles on but no opening yet (set up before cycles existed) get their first one."""
    for partnership in session.scalars(
        select(Partnership)
        .where(Partnership.feedback_next_open_at.is_(None), Partnership.feedback_weeks > 0)
        .limit(limit)
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

    def open_cycle():
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

    found = open_cycle()
    if found is None and partnership.feedback_weeks and partnership.feedback_next_open_at is not None:
        open_due_cycle(session, partnership, partnership.feedback_next_open_at)
        found = open_cycle()
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


# -- answers ---------------------------------------------------------------------------------------


def giver_key(secret: bytes, cycle: FeedbackCycle, member: Member) -> str:
    """Lets a person replace their own answer in an open cycle. Keyed with a secret kept outside the database
    (see Settings.answer_key_secret), so whoever reads the database cannot recompute it for a member."""
    message = f"{cycle.id}:{member.team_id}:{member.user_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def give(
    session: Session,
    partnership: Partnership,
    cycle: FeedbackCycle,
    member: Member,
    form: FeedbackForm,
    now: datetime,
    *,
    promised_anonymous: bool,
    key_secret: bytes,
) -> FeedbackResponse:
    """Record (or replace) this person's answer in the cycle its form was opened for, under the anonymity
    that form promised: never an answer promised anonymous stored with a name, nor moved to another cycle."""
    if cycle.status != "open" or cycle.closes_at <= now:
        raise UserError(
            "That feedback cycle closed while your form was open, so your answer was not stored: press "
            "Give feedback again to answer in the current cycle."
        )
    if cycle.anonymous != promised_anonymous:
        raise UserError(
            "This cycle's anonymity is not what your form promised, so your answer was not stored: press "
            "Give feedback again to see the current setting."
        )
    key = giver_key(key_secret, cycle, member)
    previous = session.scalar(
        select(FeedbackResponse).where(FeedbackResponse.cycle_id == cycle.id, FeedbackResponse.giver_key == key)
    )
    if previous is not None:
        session.delete(previous)
        session.flush()
    response = FeedbackResponse(
        cycle_id=cycle.id,
        giver_side=member.side,
        giver_key=key,
        # An anonymous answer's time is kept to the day: to the second it could be matched with Slack activity.
        given_at=now.replace(hour=0, minute=0, second=0, microsecond=0) if cycle.anonymous else now,
        giver_team=None if cycle.anonymous else member.team_id,
        giver_user=None if cycle.anonymous else member.user_id,
        **{field: getattr(form, field) for field in (*DIMENSIONS, "recommend")},
    )
    for kind, text in (("working", form.working), ("change", form.change), ("self", form.self_change)):
        if text:
            response.points.append(FeedbackPoint(cycle_id=cycle.id, side=member.side, kind=kind, text=text))
    session.add(response)
    session.flush()
    return response


# -- repeats ---------------------------------------------------------------------------------------


def same_point(a: str, b: str) -> bool:
    return fuzz.token_set_ratio(a, b, processor=utils.default_process) >= SAME_POINT_SCORE


def mark_repeats(session: Session, partnership: Partnership, cycle: FeedbackCycle) -> list[FeedbackPoint]:
    """Number each 'what should change' point: one more than the earlier point it restates was. Chaining
    through earlier counts follows a point as its wording drifts from cycle to cycle."""
    recent = [c for c in closed_cycles(session, partnership, cycle.opens_at) if c.id != cycle.id][:REPEAT_LOOKBACK]
    earlier = [p for c in recent for p in c.points if p.kind == "change"]
    repeated = []
    for point in (p for p in cycle.points if p.kind == "change"):
        matched = [old.times_raised for old in earlier if old.side == point.side and same_point(point.text, old.text)]
        point.times_raised = max(matched) + 1 if matched else 1
        if matched:
            repeated.append(point)
    return repeated


# -- the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Direction:
    giver: str  # the side giving the feedback; it is about the other side
    answers: int
    averages: dict[str, float] | None  # per dimension and "recommend"; None when hidden or silent
    overall: float | None
    trend: float | None  # overall now minus overall last cycle
    hidden: bool  # answered, but too few to show (see scores_visible)


@dataclass(frozen=True)
class Report:
    cycle: FeedbackCycle
    directions: list[Direction]
    points: list[FeedbackPoint]
    silent_twice: list[str]  # sides silent this cycle and the one before
    open_actions: list[Action]


def scores_visible(anonymous: bool, answers: int) -> bool:
    """Whether the other side may see a side's scores: always when attributed; when anonymous, only
    once enough people answered that no one can be picked out."""
    return not anonymous or answers >= ANONYMITY_THRESHOLD


def direction_scores(cycle: FeedbackCycle, giver: str) -> tuple[int, dict[str, float] | None]:
    answers = [r for r in cycle.responses if r.giver_side == giver]
    if not answers:
        return 0, None
    return len(answers), {
        field: statistics.mean(getattr(r, field) for r in answers) for field in (*DIMENSIONS, "recommend")
    }


def overall(averages: dict[str, float] | None) -> float | None:
    return statistics.mean(averages[d] for d in DIMENSIONS) if averages else None


def shown_overall(cycle: FeedbackCycle, giver: str) -> float | None:
    """A direction's overall score as its report showed it: None when silent or hidden for anonymity."""
    answers, scores = direction_scores(cycle, giver)
    return overall(scores) if scores_visible(cycle.anonymous, answers) else None


def direction(
    giver: str, anonymous: bool, count: int, averages: dict[str, float] | None, before: float | None
) -> Direction:
    """A direction as people may see it: hidden for anonymity, trend against the overall shown `before`."""
    hidden = count > 0 and not scores_visible(anonymous, count)
    now_overall = overall(averages)
    return Direction(
        giver=giver,
        answers=count,
        averages=None if hidden else averages,
        overall=None if hidden else now_overall,
        hidden=hidden,
        trend=(now_overall - before) if (now_overall is not None and before is not None and not hidden) else None,
    )


def build_report(session: Session, partnership: Partnership, cycle: FeedbackCycle) -> Report:
    previous = next(iter(c for c in closed_cycles(session, partnership, cycle.opens_at) if c.id != cycle.id), None)
    directions = [
        # a hidden score must not leak via a trend: compare with what the previous report showed
        direction(
            giver,
            cycle.anonymous,
            *direction_scores(cycle, giver),
            shown_overall(previous, giver) if previous else None,
        )
        for giver in SIDES
    ]
    silent_twice = [
        d.giver
        for d in directions
        if d.answers == 0 and previous is not None and direction_scores(previous, d.giver)[0] == 0
    ]
    open_actions = list(
        session.scalars(
            select(Action)
            .where(Action.partnership_id == partnership.id, Action.status == "open")
            .order_by(Action.number)
        )
    )
    return Report(
        cycle=cycle,
        directions=directions,
        points=list(cycle.points),
        silent_twice=silent_twice,
        open_actions=open_actions,
    )


@dataclass(frozen=True)
class LatestScores:
    """The last closed cycle's directions as its report showed them (without trends), for `/partner status`."""

    number: int
    directions: list[Direction]


def latest_scores_read(gather: Gather, partnership: Partnership) -> Callable[[], LatestScores | None]:
    """One aggregate over the last closed cycle's answers (in a gathered read), instead of building its report."""
    fields = (*DIMENSIONS, "recommend")
    found = gather.rows(
        lambda p: (
            select(
                FeedbackCycle.number,
                FeedbackCycle.anonymous,
                FeedbackResponse.giver_side,
                func.count(FeedbackResponse.id),
                *(func.avg(getattr(FeedbackResponse, field)) for field in (*DIMENSIONS, "recommend")),
            )
            .outerjoin(FeedbackResponse, FeedbackResponse.cycle_id == FeedbackCycle.id)
            .where(
                FeedbackCycle.id
                == select(FeedbackCycle.id)
                .where(FeedbackCycle.partnership_id == p.pid, FeedbackCycle.status == "closed")
                .order_by(FeedbackCycle.closes_at.desc())
                .limit(1)
                .correlate(None)
                .scalar_subquery()
            )
            .group_by(FeedbackCycle.number, FeedbackCycle.anonymous, FeedbackResponse.giver_side)
        ),
        grouped=True,
        pid=partnership.id,
    )

    def finish() -> LatestScores | None:
        rows = found.get()
        if not rows:
            return None
        number, anonymous = rows[0][0], rows[0][1]
        by_side = {row[2]: (row[3], dict(zip(fields, map(float, row[4:]), strict=True))) for row in rows if row[3]}
        return LatestScores(
            number=number,
            directions=[direction(giver, anonymous, *by_side.get(giver, (0, None)), None) for giver in SIDES],
        )

    return finish


def latest_scores(session: Session, partnership: Partnership) -> LatestScores | None:
    return gathered(session, lambda gather: latest_scores_read(gather, partnership))


def close_cycle(session: Session, partnership: Partnership, cycle: FeedbackCycle) -> tuple[Report, list[FeedbackPoint]]:
    cycle.status = "closed"
    if cycle.anonymous:  # the keyed hash was only needed to let people replace an answer: unlink it for good
        for response in cycle.responses:
            response.giver_key = secrets.token_hex(32)
    session.flush()
    repeated = mark_repeats(session, partnership, cycle)
    return build_report(session, partnership, cycle), repeated


def perception_gap(report: Report) -> float | None:
    """How far apart the two sides' views of the relationship are (each rates the other)."""
    scores = [d.overall for d in report.directions]
    return abs(scores[0] - scores[1]) if None not in scores else None


def point_to_action(session: Session, partnership: Partnership, actor: Member, point: FeedbackPoint) -> None:
    """Only leads turn feedback into actions; the action itself is made by bot.actions."""
    require_lead(actor, "turn feedback into actions")
    if session.get(FeedbackCycle, point.cycle_id).partnership_id != partnership.id:
        raise UserError("That point is not from this partnership.")
