"""The periodic relationship appraisal (the QBR, automated): when it meets, the pre-read's figures, the
council's forms and the recorded outcome. No Slack."""

from __future__ import annotations

import calendar as months
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.actions import service as actions
from bot.actions.models import Action
from bot.claims import schedule_send
from bot.db import insert_once
from bot.errors import UserError
from bot.governance.models import APPRAISAL_CADENCES, VERDICTS, Appraisal, AppraisalAnswer
from bot.governance.service import council, require_council
from bot.numbering import next_number
from bot.partnerships.models import Member, Partnership
from bot.partnerships.service import form_errors, require_lead
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
