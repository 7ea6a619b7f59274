"""The rules of feedback: answers (attributed or anonymous), repeats, the report (cycles: bot/feedback/cycles.py)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from pydantic import BaseModel, Field, ValidationError
from rapidfuzz import fuzz, utils
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.actions.models import Action
from bot.errors import UserError
from bot.feedback.cycles import closed_cycles
from bot.feedback.models import DIMENSIONS, FeedbackCycle, FeedbackPoint, FeedbackResponse
from bot.gather import Gather, gathered
from bot.partnerships.models import SIDES, Member, Partnership
from bot.partnerships.service import form_errors, require_lead
from bot.validation import Typed

ANONYMITY_THRESHOLD = 3  # the other side sees a side's scores only when at least this many answered
# rapidfuzz token_set_ratio on normalised text; chosen on the examples in tests/test_feedback_rules.py,
# where restatements score 74-100 and different points at most 71.
SAME_POINT_SCORE = 73
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


def mark_repeats(session: Session, partnership: Partnership, cycle: FeedbackCycle) -> None:
    """Number each 'what should change' point: one more than the earlier point it restates was. Chaining
    through earlier counts follows a point as its wording drifts from cycle to cycle."""
    recent = [c for c in closed_cycles(session, partnership, cycle.opens_at) if c.id != cycle.id][:REPEAT_LOOKBACK]
    earlier = [p for c in recent for p in c.points if p.kind == "change"]
    for point in (p for p in cycle.points if p.kind == "change"):
        matched = [old.times_raised for old in earlier if old.side == point.side and same_point(point.text, old.text)]
        point.times_raised = max(matched) + 1 if matched else 1


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


def close_cycle(session: Session, partnership: Partnership, cycle: FeedbackCycle) -> None:
    """No more answers: anonymous answers unlinked from their givers, and each point numbered as a repeat or not."""
    cycle.status = "closed"
    if cycle.anonymous:  # the keyed hash was only needed to let people replace an answer: unlink it for good
        for response in cycle.responses:
            response.giver_key = secrets.token_hex(32)
    session.flush()
    mark_repeats(session, partnership, cycle)


def repeated_points(cycle: FeedbackCycle) -> list[FeedbackPoint]:
    """The closed cycle's 'what should change' points that restate an earlier one (what mark_repeats found)."""
    return [p for p in cycle.points if p.kind == "change" and p.times_raised >= 2]


def perception_gap(report: Report) -> float | None:
    """How far apart the two sides' views of the relationship are (each rates the other)."""
    scores = [d.overall for d in report.directions]
    return abs(scores[0] - scores[1]) if None not in scores else None


def point_to_action(session: Session, partnership: Partnership, actor: Member, point: FeedbackPoint) -> None:
    """Only leads turn feedback into actions; the action itself is made by bot.actions."""
    require_lead(actor, "turn feedback into actions")
    if session.get(FeedbackCycle, point.cycle_id).partnership_id != partnership.id:
        raise UserError("That point is not from this partnership.")
