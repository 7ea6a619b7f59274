"""The periodic relationship appraisal (the QBR, automated): when it meets, the pre-read's figures, the
council's forms and the recorded outcome. No Slack."""

from __future__ import annotations

import calendar as months
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.actions import service as actions
from bot.actions.models import Action
from bot.claims import schedule_send
from bot.db import insert_once
from bot.errors import UserError
from bot.escalations.models import CATEGORIES, Escalation
from bot.escalations.service import targets as escalation_targets
from bot.escalations.sla import target_duration
from bot.feedback.models import DIMENSIONS, FeedbackCycle, FeedbackResponse
from bot.feedback.service import scores_visible
from bot.governance.models import APPRAISAL_CADENCES, VERDICTS, Appraisal, AppraisalAnswer
from bot.governance.service import HealthReading, council, health_trend, require_council
from bot.kudos.models import Kudos
from bot.milestones.models import Milestone
from bot.numbering import next_number
from bot.partnerships.models import Member, Partnership
from bot.partnerships.service import form_errors, require_lead
from bot.partnerships.targets import SEVERITIES
from bot.rhythms.models import Answer, Checkin
from bot.validation import Typed
from bot.workdays import WorkCalendar, local_date, local_instant, work_calendar

PREREAD_BUSINESS_DAYS = 5
PREREAD_AT = time(9, 0)
MEETING_AT = time(9, 0)
DECISION_SLOTS = 3


def add_months(day: date, count: int) -> date:
    month = day.month - 1 + count
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def business_day_on_or_after(day: date, calendar: WorkCalendar) -> date:
    for _ in range(366):
        if calendar.is_business_day(day):
            return day
        day += timedelta(days=1)
    return day


def first_meeting(partnership: Partnership, calendar: WorkCalendar) -> date:
    """Without a date set by a lead: one cadence after setup, on a business day."""
    months_apart = APPRAISAL_CADENCES[partnership.charter.appraisal_cadence]
    return business_day_on_or_after(add_months(local_date(partnership.created_at, calendar.timezone), months_apart),
                                    calendar)  # fmt: skip


def next_meeting(session: Session, partnership: Partnership) -> date:
    """The next council meeting: as the charter says, or one cadence after setup until the scheduler sets it."""
    return partnership.charter.next_appraisal_on or first_meeting(partnership, work_calendar(session, partnership))


def preread_moment(meeting_on: date, calendar: WorkCalendar) -> datetime:
    """09:00 local, five business days before the meeting."""
    day, left = meeting_on, PREREAD_BUSINESS_DAYS
    while left:
        day -= timedelta(days=1)
        if calendar.is_business_day(day):
            left -= 1
    return local_instant(day, PREREAD_AT, calendar.timezone)


def meeting_moment(meeting_on: date, calendar: WorkCalendar) -> datetime:
    return local_instant(meeting_on, MEETING_AT, calendar.timezone)


def latest(session: Session, partnership: Partnership) -> Appraisal | None:
    return session.scalar(
        select(Appraisal).where(Appraisal.partnership_id == partnership.id).order_by(Appraisal.number.desc()).limit(1)
    )


def history(session: Session, partnership: Partnership) -> list[Appraisal]:
    return list(
        session.scalars(
            select(Appraisal).where(Appraisal.partnership_id == partnership.id).order_by(Appraisal.number.desc())
        )
    )


def open_appraisal(
    session: Session, partnership: Partnership, meeting_on: date, calendar: WorkCalendar, now: datetime
) -> int | None:
    """Open the appraisal meeting on `meeting_on` (once: the unique meeting day is the claim) and move the
    charter's next meeting one cadence on. The new appraisal's id, or None when it was already open."""
    before = latest(session, partnership)
    months_apart = APPRAISAL_CADENCES[partnership.charter.appraisal_cadence]
    start = before.period_end if before else min(
        local_instant(add_months(meeting_on, -months_apart), time(0), calendar.timezone), now
    )  # fmt: skip
    appraisal_id = insert_once(
        session,
        Appraisal.__table__,
        partnership_id=partnership.id,
        number=next_number(session, Appraisal, partnership.id),
        meeting_on=meeting_on,
        period_start=start,
        period_end=now,
        decisions=[],
        notes="",
        created_at=now,
    )
    if appraisal_id is not None:
        following = business_day_on_or_after(add_months(meeting_on, months_apart), calendar)
        partnership.charter.next_appraisal_on = following
    return appraisal_id


def owe_preread(
    session: Session, partnership: Partnership, meeting_on: date, calendar: WorkCalendar, now: datetime
) -> int | None:
    """Open the appraisal and owe its pre-read now (the scheduler's dispatcher posts it, once)."""
    appraisal_id = open_appraisal(session, partnership, meeting_on, calendar, now)
    if appraisal_id is not None:
        schedule_send(session, key=f"appraisal:{appraisal_id}:preread", kind="appraisal_preread", due_at=now,
                      subject_id=appraisal_id)  # fmt: skip
    return appraisal_id


# -- the pre-read's figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationFigures:
    by_category: dict[str, int]
    by_severity: dict[str, int]
    median_ack: dict[str, float | None]  # seconds, per severity
    median_resolve: dict[str, float | None]
    ack_target: dict[str, float]  # seconds, per severity, from the charter
    resolve_target: dict[str, float]
    breaches: int


@dataclass(frozen=True)
class PeriodFigures:
    start: datetime
    end: datetime
    response_by_week: list[tuple[date, float | None]]  # week's Monday, % of expected answers given on time
    response_rate: float | None
    feedback: list[tuple[int, float | None, float | None]]  # cycle number, client's score of vendor, vendor's of client
    escalations: EscalationFigures
    milestones_on_time: int
    milestones_late: int
    actions_opened: int
    actions_closed: int
    actions_overdue: int
    kudos: dict[str, int]  # "client→vendor", "vendor→client"

    @property
    def perception_gap(self) -> float | None:
        """How far apart the two sides' average scores of each other are (client's of vendor minus vendor's of
        client), over the period's cycles."""
        client = [c for _, c, _ in self.feedback if c is not None]
        vendor = [v for _, _, v in self.feedback if v is not None]
        if not client or not vendor:
            return None
        return round(statistics.mean(client) - statistics.mean(vendor), 2)


@dataclass(frozen=True)
class PreRead:
    current: PeriodFigures
    previous: PeriodFigures
    health: list[tuple[datetime, int]] = field(default_factory=list)
    reading: HealthReading | None = None  # the score at the period's end, its change and what pulls it down


def period_figures(session: Session, partnership: Partnership, start: datetime, end: datetime) -> PeriodFigures:
    pid, tz = partnership.id, partnership.timezone
    # Check-ins: each person's first answer decides their standing.
    checkins = session.execute(
        select(Checkin.id, Checkin.closes_at, Checkin.expected).where(
            Checkin.partnership_id == pid, Checkin.status == "sent", Checkin.closes_at > start, Checkin.closes_at <= end
        )
    ).all()
    firsts: dict[tuple[int, str], bool] = {}
    for checkin_id, user, late in session.execute(
        select(Answer.checkin_id, Answer.user_id, Answer.late)
        .join(Checkin, Checkin.id == Answer.checkin_id)
        .where(Checkin.partnership_id == pid, Checkin.status == "sent", Checkin.closes_at > start,
               Checkin.closes_at <= end)
        .order_by(Answer.answered_at)
    ).all():  # fmt: skip
        firsts.setdefault((checkin_id, user), late)
    weeks: dict[date, list[int]] = {}
    for checkin_id, closes_at, expected in checkins:
        day = local_date(closes_at, tz)
        week = weeks.setdefault(day - timedelta(days=day.weekday()), [0, 0])
        week[0] += len(expected)
        week[1] += sum(firsts.get((checkin_id, p["user"])) is False for p in expected)
    by_week = [(monday, round(100 * ok / asked, 1) if asked else None) for monday, (asked, ok) in sorted(weeks.items())]
    asked, ok = sum(w[0] for w in weeks.values()), sum(w[1] for w in weeks.values())

    # Feedback: each cycle's score of each side by the other, as its report showed it.
    overall = sum(getattr(FeedbackResponse, d) for d in DIMENSIONS) / float(len(DIMENSIONS))
    cycles = session.execute(
        select(FeedbackCycle.id, FeedbackCycle.number, FeedbackCycle.anonymous)
        .where(FeedbackCycle.partnership_id == pid, FeedbackCycle.status == "closed",
               FeedbackCycle.closes_at > start, FeedbackCycle.closes_at <= end)
        .order_by(FeedbackCycle.number)
    ).all()  # fmt: skip
    scores = {
        (cycle_id, side): (count, mean)
        for cycle_id, side, count, mean in session.execute(
            select(FeedbackResponse.cycle_id, FeedbackResponse.giver_side, func.count(), func.avg(overall))
            .where(FeedbackResponse.cycle_id.in_([c.id for c in cycles]))
            .group_by(FeedbackResponse.cycle_id, FeedbackResponse.giver_side)
        ).all()
    } if cycles else {}  # fmt: skip

    def shown(cycle_id: int, anonymous: bool, side: str) -> float | None:
        count, mean = scores.get((cycle_id, side), (0, None))
        return round(float(mean), 2) if count and scores_visible(anonymous, count) else None

    feedback = [(number, shown(cid, anon, "client"), shown(cid, anon, "vendor")) for cid, number, anon in cycles]

    # Escalations raised in the period.
    rows = session.execute(
        select(Escalation.category, Escalation.severity, Escalation.raised_at, Escalation.acknowledged_at,
               Escalation.resolved_at, Escalation.ack_breached_at, Escalation.resolve_breached_at)
        .where(Escalation.partnership_id == pid, Escalation.state != "duplicate", Escalation.raised_at > start,
               Escalation.raised_at <= end)
    ).all()  # fmt: skip
    by_category = {c: 0 for c in CATEGORIES}
    by_severity = {s: 0 for s in SEVERITIES}
    acks: dict[str, list[float]] = {s: [] for s in SEVERITIES}
    fixes: dict[str, list[float]] = {s: [] for s in SEVERITIES}
    breaches = 0
    for category, severity, raised, acked, resolved, ack_breach, resolve_breach in rows:
        by_category[category] += 1
        by_severity[severity] += 1
        if acked:
            acks[severity].append((acked - raised).total_seconds())
        if resolved:
            fixes[severity].append((resolved - raised).total_seconds())
        breaches += bool(ack_breach) + bool(resolve_breach)
    goals = {s: escalation_targets(partnership, s) for s in SEVERITIES}
    escalations = EscalationFigures(
        by_category={c: n for c, n in by_category.items() if n},
        by_severity=by_severity,
        median_ack={s: statistics.median(v) if v else None for s, v in acks.items()},
        median_resolve={s: statistics.median(v) if v else None for s, v in fixes.items()},
        ack_target={s: target_duration(goals[s][0]).total_seconds() for s in SEVERITIES},
        resolve_target={s: target_duration(goals[s][1]).total_seconds() for s in SEVERITIES},
        breaches=breaches,
    )

    landed = session.execute(
        select(Milestone.done_at, Milestone.planned_date).where(
            Milestone.partnership_id == pid, Milestone.done_at > start, Milestone.done_at <= end
        )
    ).all()
    late = sum(local_date(done, tz) > planned for done, planned in landed)
    mine = Action.partnership_id == pid
    last_day = local_date(end, tz)

    def count(*where) -> int:
        return session.scalar(select(func.count()).select_from(Action).where(mine, *where))

    kudos = dict(
        ((g, r), n)
        for g, r, n in session.execute(
            select(Kudos.giver_side, Kudos.receiver_side, func.count())
            .where(Kudos.partnership_id == pid, Kudos.given_at > start, Kudos.given_at <= end)
            .group_by(Kudos.giver_side, Kudos.receiver_side)
        ).all()
    )
    return PeriodFigures(
        start=start,
        end=end,
        response_by_week=by_week,
        response_rate=round(100 * ok / asked, 1) if asked else None,
        feedback=feedback,
        escalations=escalations,
        milestones_on_time=len(landed) - late,
        milestones_late=late,
        actions_opened=count(Action.created_at > start, Action.created_at <= end),
        actions_closed=count(Action.done_at > start, Action.done_at <= end),
        actions_overdue=count(
            Action.due_date < last_day, (Action.done_at.is_(None)) | (Action.done_at > end), Action.created_at <= end
        ),  # fmt: skip
        kudos={
            "client→vendor": kudos.get(("client", "vendor"), 0),
            "vendor→client": kudos.get(("vendor", "client"), 0),
        },
    )


def pre_read(session: Session, partnership: Partnership, start: datetime, end: datetime) -> PreRead:
    """The period's figures, the same figures for the period before, and the health trend week by week."""
    length = max(end - start, timedelta(days=7))
    weeks = max(2, min(26, round(length / timedelta(days=7)) + 1))
    trend, now = health_trend(session, partnership, end, weeks, timedelta(days=7))
    return PreRead(
        current=period_figures(session, partnership, start, end),
        previous=period_figures(session, partnership, start - length, start),
        health=trend,
        reading=now,
    )


# -- the council's forms ----------------------------------------------------------------------------------


class AppraisalForm(BaseModel):
    delivery: int = Field(ge=1, le=5)
    relationship: int = Field(ge=1, le=5)
    incentives: int = Field(ge=1, le=5)
    communication: int = Field(ge=1, le=5)
    decide: Typed = Field(default="", max_length=2000)
    risk: Typed = Field(default="", max_length=2000)


def form_from_values(values: dict) -> tuple[AppraisalForm | None, dict[str, str]]:
    data = {k: ("" if v is None else v) for k, v in values.items()}
    try:
        return AppraisalForm(**data), {}
    except ValidationError as exc:
        return None, {f: ("Choose 1 to 5." if f in ("delivery", "relationship", "incentives", "communication") else m)
                      for f, m in form_errors(exc).items()}  # fmt: skip


def open_for_answers(appraisal: Appraisal) -> None:
    if appraisal.recorded_at is not None:
        raise UserError(f"Appraisal #{appraisal.number} is already recorded; its forms are closed.")


def give(
    session: Session, partnership: Partnership, appraisal: Appraisal, member: Member, form: AppraisalForm, now: datetime
) -> AppraisalAnswer:
    """A council member's answer; answering again replaces it."""
    require_council(session, partnership, member, "fill the appraisal form")
    open_for_answers(appraisal)
    answer = session.scalar(
        select(AppraisalAnswer).where(AppraisalAnswer.appraisal_id == appraisal.id,
                                      AppraisalAnswer.user_id == member.user_id)
    )  # fmt: skip
    if answer is None:
        answer = AppraisalAnswer(appraisal_id=appraisal.id, team_id=member.team_id, user_id=member.user_id)
        session.add(answer)
    answer.side, answer.given_at = member.side, now
    for name, value in form.model_dump().items():
        setattr(answer, name, value)
    session.flush()
    session.expire(appraisal, ["answers"])
    return answer


def tally(session: Session, appraisal: Appraisal) -> tuple[Appraisal, dict[str, int], dict[str, int]]:
    """How many of each side's council members have answered, and how many sit on it."""
    partnership = session.get(Partnership, appraisal.partnership_id)
    seats: dict[str, int] = {}
    for member in council(session, partnership):
        seats[member.side] = seats.get(member.side, 0) + 1
    answered = {side: sum(a.side == side for a in appraisal.answers) for side in ("client", "vendor")}
    return appraisal, answered, seats


def waiting_forms(session: Session, partnership: Partnership, member: Member, today: date) -> list[Appraisal]:
    """Appraisals whose pre-read is out, not yet recorded, that this council member has not answered."""
    answered = select(AppraisalAnswer.appraisal_id).where(AppraisalAnswer.user_id == member.user_id)
    return list(
        session.scalars(
            select(Appraisal).where(
                Appraisal.partnership_id == partnership.id,
                Appraisal.preread_ts.is_not(None),
                Appraisal.recorded_at.is_(None),
                Appraisal.meeting_on >= today,
                Appraisal.id.not_in(answered),
            )
        )
    )


# -- the outcome ------------------------------------------------------------------------------------------


class Decision(BaseModel):
    text: Typed = Field(min_length=1, max_length=500)
    owner_user: str | None = None
    due: date


class Outcome(BaseModel):
    verdict: str
    decisions: list[Decision]
    notes: Typed = Field(default="", max_length=3000)


def outcome_from_values(values: dict, today: date) -> tuple[Outcome | None, dict[str, str]]:
    errors: dict[str, str] = {}
    if values.get("verdict") not in VERDICTS:
        errors["verdict"] = "Choose the verdict."
    decisions = []
    for slot in range(1, DECISION_SLOTS + 1):
        text = (values.get(f"decision_{slot}") or "").strip()
        owner, due = values.get(f"owner_{slot}"), values.get(f"due_{slot}")
        if not text:
            if owner or due:
                errors[f"decision_{slot}"] = "Write the decision, or clear its owner and date."
            continue
        if not due:
            errors[f"due_{slot}"] = "Give the decision a due date."
            continue
        day = date.fromisoformat(due)
        if day < today:
            errors[f"due_{slot}"] = "Choose today or a later day."
            continue
        decisions.append(Decision(text=text[:500], owner_user=owner or None, due=day))
    if errors:
        return None, errors
    return Outcome(verdict=values["verdict"], decisions=decisions, notes=(values.get("notes") or "")[:3000]), {}


def record(
    session: Session,
    partnership: Partnership,
    appraisal: Appraisal,
    actor: Member,
    outcome: Outcome,
    owners: dict[str, Member],
    now: datetime,
) -> list[Action]:
    """A lead records the meeting's outcome; each decision becomes an action. Recording again is refused:
    every appraisal is kept as it was recorded."""
    require_lead(actor, "record an appraisal")
    if appraisal.recorded_at is not None:
        raise UserError(f"Appraisal #{appraisal.number} is already recorded.", usage="/partner appraisal")
    made = []
    for decision in outcome.decisions:
        made.append(
            actions.create_action(
                session,
                partnership,
                title=f"Appraisal #{appraisal.number}: {decision.text}",
                due_date=decision.due,
                source="appraisal",
                source_key=f"appraisal:{appraisal.id}",
                created_by=actor.user_id,
                now=now,
                owner=owners.get(decision.owner_user) if decision.owner_user else None,
            )
        )
    appraisal.verdict, appraisal.notes = outcome.verdict, outcome.notes
    appraisal.decisions = [
        {"text": d.text, "action_number": a.number, "owner": d.owner_user, "due": d.due.isoformat()}
        for d, a in zip(outcome.decisions, made, strict=True)
    ]
    appraisal.recorded_team, appraisal.recorded_by, appraisal.recorded_at = actor.team_id, actor.user_id, now
    return made


def to_record(session: Session, partnership: Partnership) -> Appraisal:
    """The appraisal a lead records now: the latest one not yet recorded."""
    found = session.scalar(
        select(Appraisal)
        .where(Appraisal.partnership_id == partnership.id, Appraisal.recorded_at.is_(None))
        .order_by(Appraisal.number.desc())
        .limit(1)
    )
    if found is None:
        raise UserError("No appraisal is waiting to be recorded: `/partner appraisal run` posts a pre-read now.")
    return found


def running(session: Session, partnership: Partnership, today: date) -> Appraisal | None:
    """An appraisal whose pre-read is out and whose meeting has not yet passed unrecorded."""
    return session.scalar(
        select(Appraisal)
        .where(
            Appraisal.partnership_id == partnership.id, Appraisal.recorded_at.is_(None), Appraisal.meeting_on >= today
        )
        .order_by(Appraisal.number.desc())
        .limit(1)
    )
