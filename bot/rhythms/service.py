"""The rules of rhythms and check-ins: planning occurrences, who is expected, answers, summaries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from sqlalchemy import false, select
from sqlalchemy.orm import Session

from bot.claims import schedule_send
from bot.db import insert_once
from bot.errors import BadInput
from bot.numbering import add_numbered, by_number
from bot.partnerships.models import Member, Partnership
from bot.partnerships.service import form_errors, require_lead
from bot.partnerships.time_off import is_out_of_office, out_of_office_on
from bot.rhythms.answers import MISSING, standings
from bot.rhythms.calendar import CADENCES, Cadence, next_occurrence, occurs_on, validate
from bot.rhythms.models import AUDIENCES, Checkin, Rhythm
from bot.validation import Typed
from bot.workdays import WorkCalendar, local_date


class RhythmForm(BaseModel):
    """What the rhythm modal asks for."""

    name: Typed = Field(min_length=1, max_length=80)
    cadence: Literal[CADENCES]
    weekdays: list[int] = []
    day_of_month: int | None = None
    local_time: time
    audience: Literal[AUDIENCES]
    people: list[str] = []
    questions: list[str] = Field(min_length=1, max_length=10)
    window_hours: float
    nudge_after_hours: float | None = None

    @field_validator("window_hours")
    @classmethod
    def _window(cls, value: float):
        # Under an hour nobody can answer (0.001 h closed the check-in as it was sent, silently missed).
        if not 1 <= value <= 24 * 14:
            raise ValueError("The response window is 1 to 336 hours (14 days).")
        return value

    @field_validator("nudge_after_hours")
    @classmethod
    def _nudge(cls, value: float | None):
        if value is not None and not value * 60 >= 1:  # times are kept in whole minutes
            raise ValueError("The nudge comes at least a minute after the check-in (or leave it empty).")
        return value

    @field_validator("questions", mode="before")
    @classmethod
    def _one_per_line(cls, value):
        if isinstance(value, str):
            value = [line.strip() for line in value.splitlines() if line.strip()]
        return value

    @field_validator("questions")
    @classmethod
    def _short_questions(cls, value: list[str]):
        if any(len(question) > 300 for question in value):
            raise ValueError("Keep each question under 300 characters.")
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if self.audience == "people" and not self.people:
            raise ValueError("people: Choose the people to ask.")
        if self.nudge_after_hours is not None and self.nudge_after_hours >= self.window_hours:
            raise ValueError("nudge_after_hours: The nudge must come before the window closes.")
        return self


def rhythm_from_form(values: dict, calendar: WorkCalendar, today: date) -> tuple[RhythmForm | None, dict[str, str]]:
    data = {key: value for key, value in values.items() if value not in (None, "", [])}
    data["weekdays"] = [int(day) for day in data.get("weekdays", [])]
    try:
        form = RhythmForm(**data)
    except ValidationError as exc:
        errors = form_errors(exc)
        cross_field = errors.pop("form", None)  # "people: Choose …": prefixed with the input it is about
        if cross_field:
            field, _, text = cross_field.partition(": ")
            errors[field] = text
        return None, errors
    problem = validate(cadence_of_form(form, today), calendar)
    if problem:
        field = "day_of_month" if form.cadence == "monthly_day" else "weekdays"
        return None, {field: problem}
    return form, {}


def cadence_of_form(form: RhythmForm, anchor: date) -> Cadence:
    return Cadence(
        kind=form.cadence,
        local_time=form.local_time,
        weekdays=tuple(form.weekdays),
        day_of_month=form.day_of_month,
        anchor=anchor,
    )


def cadence_of(rhythm: Rhythm) -> Cadence:
    return Cadence(
        kind=rhythm.cadence,
        local_time=rhythm.local_time,
        weekdays=tuple(rhythm.weekdays),
        day_of_month=rhythm.day_of_month,
        anchor=rhythm.anchor,
    )


def add_rhythm(
    session: Session, partnership: Partnership, actor: Member, form: RhythmForm, calendar: WorkCalendar, now: datetime
) -> Rhythm:
    require_lead(actor, "manage rhythms")
    rhythm = Rhythm(
        partnership_id=partnership.id,
        name=form.name,
        cadence=form.cadence,
        weekdays=form.weekdays,
        day_of_month=form.day_of_month,
        anchor=local_date(now, partnership.timezone),
        local_time=form.local_time,
        audience=form.audience,
        people=form.people if form.audience == "people" else [],
        questions=form.questions,
        window_minutes=round(form.window_hours * 60),
        nudge_after_minutes=round(form.nudge_after_hours * 60) if form.nudge_after_hours else None,
        created_by=actor.user_id,
        created_at=now,
    )
    rhythm.next_run_at = next_occurrence(cadence_of(rhythm), calendar, now)
    add_numbered(session, rhythm)
    return rhythm


def rhythms_of(session: Session, partnership: Partnership) -> list[Rhythm]:
    return list(
        session.scalars(
            select(Rhythm)
            .where(Rhythm.partnership_id == partnership.id, Rhythm.removed_at.is_(None))
            .order_by(Rhythm.number)
        )
    )


def find_rhythm(session: Session, partnership: Partnership, number_text: str) -> Rhythm:
    rhythm = by_number(session, Rhythm, partnership.id, number_text, Rhythm.removed_at.is_(None))
    if rhythm is None:
        raise BadInput(f"There is no rhythm {number_text} here; `/partner rhythm list` shows their numbers.")
    return rhythm


def pause(rhythm: Rhythm, actor: Member) -> None:
    require_lead(actor, "manage rhythms")
    if rhythm.paused:
        raise BadInput(f"Rhythm {rhythm.number} is already paused.", usage=f"/partner rhythm resume {rhythm.number}")
    rhythm.paused, rhythm.next_run_at = True, None


def resume(rhythm: Rhythm, actor: Member, calendar: WorkCalendar, now: datetime) -> None:
    """Occurrences while paused are not owed: the rhythm picks up at its next one from now."""
    require_lead(actor, "manage rhythms")
    if not rhythm.paused:
        raise BadInput(f"Rhythm {rhythm.number} is not paused.", usage=f"/partner rhythm pause {rhythm.number}")
    rhythm.paused = False
    rhythm.next_run_at = next_occurrence(cadence_of(rhythm), calendar, now)


def reschedule(session: Session, partnership: Partnership, calendar: WorkCalendar, now: datetime) -> None:
    """The partnership's timezone or business days changed: every running rhythm's next run follows."""
    for rhythm in rhythms_of(session, partnership):
        if rhythm.active:
            rhythm.next_run_at = next_occurrence(cadence_of(rhythm), calendar, now)


def remove(rhythm: Rhythm, actor: Member, now: datetime) -> None:
    """Removed rhythms stop; their past check-ins and answers stay on record."""
    require_lead(actor, "manage rhythms")
    rhythm.removed_at, rhythm.next_run_at = now, None


# -- planning ------------------------------------------------------------------------------------


def due_rhythms(session: Session, now: datetime, limit: int) -> list[Rhythm]:
    """Written as the partial index ix_rhythms_due is (`= false`: `IS false` would not use it).

    Rhythms due at the same moment come channel by channel in turn (each partnership's first rhythm, then each
    one's second, ...): their check-ins are owed, and so sent, in that order, one per channel at a time, as
    Slack's pace of about a post a second per channel allows, instead of ten to one channel while the others
    wait."""
    return list(
        session.scalars(
            select(Rhythm)
            .where(Rhythm.next_run_at <= now, Rhythm.paused == false(), Rhythm.removed_at.is_(None))
            .order_by(Rhythm.next_run_at, Rhythm.number, Rhythm.id)
            .limit(limit)
        )
    )


def plan_rhythm(session: Session, rhythm: Rhythm, calendar: WorkCalendar, now: datetime) -> int:
    """Turn every occurrence up to now into a check-in, once. One still inside its window is owed as a
    send; one whose window has passed (we were down) is recorded as missed. Returns check-ins owed."""
    cadence, owed, moment = cadence_of(rhythm), 0, rhythm.next_run_at
    window = timedelta(minutes=rhythm.window_minutes)
    while moment is not None and moment <= now:
        # Checked again here: a holiday may have been added after this occurrence was computed.
        if occurs_on(cadence, local_date(moment, calendar.timezone), calendar):
            owed += _open_checkin(session, rhythm, moment, moment + window, now, manual=False)
        moment = next_occurrence(cadence, calendar, moment)
    rhythm.next_run_at = moment
    return owed


def run_now(session: Session, rhythm: Rhythm, actor: Member, now: datetime) -> None:
    """`/partner rhythm run N`: an extra check-in now, whatever the day."""
    require_lead(actor, "manage rhythms")
    _open_checkin(session, rhythm, now, now + timedelta(minutes=rhythm.window_minutes), now, manual=True)


def _open_checkin(
    session: Session, rhythm: Rhythm, moment: datetime, closes: datetime, now: datetime, manual: bool
) -> int:
    status = "due" if now < closes else "missed"
    checkin_id = insert_once(
        session,
        Checkin.__table__,
        rhythm_id=rhythm.id,
        partnership_id=rhythm.partnership_id,
        scheduled_for=moment,
        closes_at=closes,
        manual=manual,
        status=status,
        expected=[],
        away=[],
    )
    if checkin_id is None or status == "missed":
        return 0
    schedule_send(session, key=f"checkin:{checkin_id}", kind="checkin", due_at=moment, subject_id=checkin_id)
    return 1


# -- sending ---------------------------------------------------------------------------------------


def audience_of(partnership: Partnership, rhythm: Rhythm, in_channel: set[str] | None) -> list[Member]:
    """Who this rhythm asks: its side(s) or named people, among those in the channel."""
    sides = {"both": ("client", "vendor"), "client": ("client",), "vendor": ("vendor",)}.get(rhythm.audience, ())
    return [
        m
        for m in partnership.members
        if (m.user_id in rhythm.people if rhythm.audience == "people" else m.side in sides)
        and (in_channel is None or m.user_id in in_channel)
    ]


def mark_sent(
    session: Session, checkin: Checkin, asked: list[Member], day: date, message_ts: str, now: datetime
) -> None:
    """The check-in is out: fix who was expected (the asked, less those out of office on `day`)."""
    checkin.status, checkin.message_ts, checkin.sent_at = "sent", message_ts, now
    checkin.expected = [{"team": m.team_id, "user": m.user_id} for m in asked if not is_out_of_office(m, day)]
    checkin.away = [{"team": m.team_id, "user": m.user_id} for m in asked if is_out_of_office(m, day)]
    rhythm = checkin.rhythm
    # Timed from when it went out: a check-in sent late (after a restart) does not nudge at once.
    nudge_at = now + timedelta(minutes=rhythm.nudge_after_minutes or 0)
    if rhythm.nudge_after_minutes and checkin.expected and nudge_at < checkin.closes_at:
        schedule_send(session, key=f"nudge:{checkin.id}", kind="nudge", subject_id=checkin.id, due_at=nudge_at)
    schedule_send(session, key=f"summary:{checkin.id}", kind="summary", subject_id=checkin.id, due_at=checkin.closes_at)


def missing_people(checkin: Checkin, partnership: Partnership, day: date) -> list[dict]:
    """Expected people who have not answered and are not out of office on `day`."""
    standing = standings(checkin, out_of_office_on(partnership, day))
    return [p for p in checkin.expected if standing[(p["team"], p["user"])] == MISSING]
