"""The rules of KPIs: add, edit and retire them (logged as charter edits), actuals and their corrections, the
scorecard's colours and trends, and red streaks (periods are in periods.py). No Slack."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.actions import service as actions
from bot.actions.models import Action
from bot.errors import BadInput, UserError
from bot.gather import Gather, gathered
from bot.kpis.models import Kpi, KpiActual
from bot.kpis.periods import last_closed_start, previous_start, recent_starts
from bot.numbering import add_numbered, by_number
from bot.partnerships.models import CharterEdit, Member, Partnership
from bot.partnerships.service import form_errors, require_lead
from bot.validation import Typed
from bot.workdays import local_date

RED_STREAK = 3
MAX_KPIS = 20  # one number box each in the actuals form, within a modal's 100 blocks


def parse_number(text: str | None) -> float | None:
    """A number as people type it ("91.5", "1,200", "95%"); None when the box is empty; ValueError otherwise."""
    cleaned = (text or "").strip().replace(",", "").removesuffix("%").strip()
    if not cleaned:
        return None
    value = float(cleaned)  # ValueError for text
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _number(value):
    if isinstance(value, (int, float)):
        return value
    try:
        parsed = parse_number(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a number, e.g. 90 or 2.5") from None
    if parsed is None:
        raise ValueError("This is required.")
    return parsed


class KpiForm(BaseModel):
    name: Typed = Field(min_length=1, max_length=100)
    unit: Typed = Field(default="", max_length=20)
    target: float
    direction: Literal["higher", "lower"]
    amber_percent: float = Field(default=5.0, ge=0, le=100)
    reporting_side: Literal["client", "vendor"]
    period: Literal["weekly", "monthly"]

    _numbers = field_validator("target", "amber_percent", mode="before")(classmethod(lambda cls, v: _number(v)))


def parse_kpi_form(values: dict) -> tuple[KpiForm | None, dict[str, str]]:
    data = {key: value for key, value in values.items() if value is not None}
    if not (data.get("amber_percent") or "").strip():
        data.pop("amber_percent", None)  # left empty: the default band
    try:
        return KpiForm(**data), {}
    except ValidationError as exc:
        errors = form_errors(exc)
        for field, message in (
            ("direction", "Say whether higher or lower is better."),
            ("reporting_side", "Say which side reports it."),
            ("period", "Choose weekly or monthly."),
        ):
            if field in errors:
                errors[field] = message
        return None, errors


def _described(kpi: Kpi) -> dict:
    return {
        "name": kpi.name,
        "unit": kpi.unit,
        "target": kpi.target,
        "direction": "higher" if kpi.higher_is_better else "lower",
        "amber_percent": kpi.amber_percent,
        "reporting_side": kpi.reporting_side,
        "period": kpi.period,
    }


def _log(session: Session, partnership: Partnership, actor: Member, now: datetime, kpi: Kpi, before, after) -> None:
    """KPIs are part of the charter: their changes go to the charter's log."""
    session.add(
        CharterEdit(
            partnership_id=partnership.id,
            team_id=actor.team_id,
            user_id=actor.user_id,
            edited_at=now,
            changes={f"kpi_{kpi.number}": {"from": before, "to": after}},
        )
    )


def active_kpis(session: Session, partnership: Partnership) -> list[Kpi]:
    return list(
        session.scalars(
            select(Kpi).where(Kpi.partnership_id == partnership.id, Kpi.retired_at.is_(None)).order_by(Kpi.number)
        )
    )


def add_kpi(session: Session, partnership: Partnership, actor: Member, form: KpiForm, now: datetime) -> Kpi:
    require_lead(actor, "add KPIs")
    if len(active_kpis(session, partnership)) >= MAX_KPIS:
        raise UserError(f"A partnership keeps at most {MAX_KPIS} KPIs; retire one first.")
    kpi = Kpi(
        partnership_id=partnership.id,
        name=form.name,
        unit=form.unit,
        target=form.target,
        higher_is_better=form.direction == "higher",
        amber_percent=form.amber_percent,
        reporting_side=form.reporting_side,
        period=form.period,
        created_by=actor.user_id,
        created_at=now,
    )
    add_numbered(session, kpi)
    _log(session, partnership, actor, now, kpi, None, _described(kpi))
    return kpi


def edit_kpi(session: Session, partnership: Partnership, actor: Member, kpi: Kpi, form: KpiForm, now: datetime):
    require_lead(actor, "edit KPIs")
    before = _described(kpi)
    kpi.name, kpi.unit, kpi.target = form.name, form.unit, form.target
    kpi.higher_is_better = form.direction == "higher"
    kpi.amber_percent, kpi.reporting_side, kpi.period = form.amber_percent, form.reporting_side, form.period
    after = _described(kpi)
    if after != before:
        _log(session, partnership, actor, now, kpi, before, after)


def retire_kpi(session: Session, partnership: Partnership, actor: Member, kpi: Kpi, now: datetime) -> None:
    require_lead(actor, "retire KPIs")
    if kpi.retired_at is not None:
        raise BadInput(f"KPI {kpi.number} is already retired.")
    kpi.retired_at = now
    _log(session, partnership, actor, now, kpi, _described(kpi), None)


def find_kpi(session: Session, partnership: Partnership, number: int | str) -> Kpi:
    found = by_number(session, Kpi, partnership.id, number, Kpi.retired_at.is_(None))
    if found is None:
        raise BadInput(f"There is no KPI {number} here (`/partner kpi list`).")
    return found


def kpi_by_id(session: Session, partnership: Partnership, kpi_id: int) -> Kpi:
    kpi = session.get(Kpi, kpi_id)
    if kpi is None or kpi.partnership_id != partnership.id or kpi.retired_at is not None:
        raise UserError("That KPI is retired or no longer exists.")
    return kpi


# -- actuals ----------------------------------------------------------------------------------------


def current_actuals(session: Session, kpis: list[Kpi], since: date) -> dict[tuple[int, date], KpiActual]:
    """The value that counts (the latest report) per (KPI, period start), for periods from `since`."""
    if not kpis:
        return {}
    rows = session.scalars(
        select(KpiActual)
        .where(KpiActual.kpi_id.in_([k.id for k in kpis]), KpiActual.period_start >= since)
        .order_by(KpiActual.id)
    )
    return {(row.kpi_id, row.period_start): row for row in rows}


def kpis_reported_by(session: Session, partnership: Partnership, side: str, period: str) -> list[Kpi]:
    return [k for k in active_kpis(session, partnership) if k.reporting_side == side and k.period == period]


def missing_for(session: Session, partnership: Partnership, side: str, period: str, start: date) -> list[Kpi]:
    kpis = kpis_reported_by(session, partnership, side, period)
    have = current_actuals(session, kpis, start)
    return [k for k in kpis if (k.id, start) not in have]


def parse_actuals(kpis: list[Kpi], values: dict) -> tuple[dict[int, float], dict[str, str]]:
    """{kpi id: value} from the form's number boxes (`kpi_<id>`), or inline errors for what is not a number."""
    numbers, errors = {}, {}
    for kpi in kpis:
        field = f"kpi_{kpi.id}"
        try:
            value = parse_number(values.get(field))
        except ValueError:
            errors[field] = f"'{values.get(field)}' is not a number, e.g. 91.5"
            continue
        if value is not None:
            numbers[kpi.id] = value
    if not numbers and not errors and kpis:
        errors[f"kpi_{kpis[0].id}"] = "Enter at least one actual."
    return numbers, errors


@dataclass(frozen=True)
class Reported:
    entered: list[tuple[Kpi, KpiActual, KpiActual | None]]  # (KPI, new value, the value it corrects)
    streaks: list[tuple[Kpi, list[date], Action]]  # red streaks this report completed, with their action


def report_actuals(
    session: Session,
    partnership: Partnership,
    actor: Member,
    *,
    side: str,
    period: str,
    start: date,
    numbers: dict[int, float],
    comment: str,
    today: date,
    now: datetime,
) -> Reported:
    if actor.side != side:
        raise UserError(f"The {side} side reports these KPIs; ask one of them.")
    if start > last_closed_start(period, today):
        raise UserError("That period has not ended yet.")
    kpis = {k.id: k for k in kpis_reported_by(session, partnership, side, period)}
    current = current_actuals(session, list(kpis.values()), start)
    entered = []
    for kpi_id, value in numbers.items():
        if kpi_id not in kpis:
            raise UserError("That form is out of date or was changed; open it again.")
        before = current.get((kpi_id, start))
        if before is not None and before.value == value and not comment.strip():
            continue  # unchanged
        row = KpiActual(
            kpi_id=kpi_id,
            period_start=start,
            value=value,
            comment=comment.strip(),
            reported_by_team=actor.team_id,
            reported_by_user=actor.user_id,
            reported_at=now,
        )
        session.add(row)
        entered.append((kpis[kpi_id], row, before))
    session.flush()
    streaks = []
    for kpi, _, _ in entered:
        streak = red_streak(session, kpi, today)
        if streak:
            action = _correction_plan(session, partnership, kpi, streak, now)
            if action is not None:
                streaks.append((kpi, streak, action))
    return Reported(entered, streaks)


# -- scoring ----------------------------------------------------------------------------------------


def rating(kpi: Kpi, value: float) -> str:
    """green on or better than target; amber within the band (a % of the target) on the wrong side; red beyond."""
    band = abs(kpi.target) * kpi.amber_percent / 100
    shortfall = (kpi.target - value) if kpi.higher_is_better else (value - kpi.target)
    if shortfall <= 0:
        return "green"
    return "amber" if shortfall <= band else "red"


def red_streak(session: Session, kpi: Kpi, today: date) -> list[date]:
    """The consecutive red periods ending with the latest one that has an actual, if there are at least three."""
    starts = recent_starts(kpi.period, today, 60)
    actuals = current_actuals(session, [kpi], starts[0])
    reported = [s for s in starts if (kpi.id, s) in actuals]
    if not reported:
        return []
    streak = []
    start = reported[-1]
    while (kpi.id, start) in actuals and rating(kpi, actuals[(kpi.id, start)].value) == "red":
        streak.append(start)
        start = previous_start(kpi.period, start)
    return streak[::-1] if len(streak) >= RED_STREAK else []


def _correction_plan(
    session: Session, partnership: Partnership, kpi: Kpi, streak: list[date], now: datetime
) -> Action | None:
    """One correction-plan action per streak (keyed by the period it began in)."""
    key = f"kpi:{kpi.id}:red:{streak[0].isoformat()}"
    if session.scalar(select(Action.id).where(Action.partnership_id == partnership.id, Action.source_key == key)):
        return None
    return actions.create_action(
        session,
        partnership,
        source="kpi",
        source_key=key,
        created_by="partnerbot",
        now=now,
        title=f"Correction plan for {kpi.name}: red {len(streak)} periods in a row",
        due_date=local_date(now, partnership.timezone) + timedelta(days=14),
    )


@dataclass(frozen=True)
class Cell:
    start: date
    actual: KpiActual | None
    rating: str | None  # green, amber, red; None when missing


@dataclass(frozen=True)
class ScoreRow:
    kpi: Kpi
    cells: list[Cell]  # oldest first
    trend: str  # up, down, flat, "" (fewer than two values)
    red_streak: int  # consecutive red periods up to the latest reported

    @property
    def latest(self) -> Cell | None:
        reported = [c for c in self.cells if c.actual is not None]
        return reported[-1] if reported else None


def scorecard(session: Session, partnership: Partnership, now: datetime) -> list[ScoreRow]:
    """Per active KPI, its last six closed periods. The data of `/partner scorecard`, of status, and of the
    appraisal pre-read's KPI chart (the governance issue's seam)."""
    return gathered(session, lambda gather: scorecard_read(gather, partnership, now))


def scorecard_read(gather: Gather, partnership: Partnership, now: datetime) -> Callable[[], list[ScoreRow]]:
    """`scorecard` in a gathered read: the active KPIs and the actuals of the last periods any of them shows."""
    today = local_date(now, partnership.timezone)
    kpis = gather.entities(
        Kpi,
        lambda p: select(Kpi).where(Kpi.partnership_id == p.pid, Kpi.retired_at.is_(None)),
        sort=lambda k: k.number,
        pid=partnership.id,
    )
    # Only the periods each KPI shows: a weekly KPI's six weeks, not the six months a monthly one needs.
    reported = gather.entities(
        KpiActual,
        lambda p: (
            select(KpiActual)
            .join(Kpi, Kpi.id == KpiActual.kpi_id)
            .where(
                Kpi.partnership_id == p.pid,
                Kpi.retired_at.is_(None),
                or_(
                    and_(Kpi.period == "weekly", KpiActual.period_start >= p.weekly),
                    and_(Kpi.period == "monthly", KpiActual.period_start >= p.monthly),
                ),
            )
        ),
        sort=lambda a: a.id,
        pid=partnership.id,
        weekly=recent_starts("weekly", today)[0],
        monthly=recent_starts("monthly", today)[0],
    )

    def finish() -> list[ScoreRow]:
        # the latest report of a period counts, as in current_actuals
        actuals = {(row.kpi_id, row.period_start): row for row in reported.get()}
        return _scorecard(kpis.get(), actuals, today)

    return finish


def _scorecard(kpis: list[Kpi], actuals: dict[tuple[int, date], KpiActual], today: date) -> list[ScoreRow]:
    starts = {period: recent_starts(period, today) for period in {k.period for k in kpis}}
    rows = []
    for kpi in kpis:
        cells = []
        for start in starts[kpi.period]:
            actual = actuals.get((kpi.id, start))
            cells.append(Cell(start, actual, rating(kpi, actual.value) if actual else None))
        values = [c.actual.value for c in cells if c.actual]
        trend = ""
        if len(values) >= 2:
            trend = "flat" if values[-1] == values[-2] else ("up" if values[-1] > values[-2] else "down")
        streak = 0
        for cell in reversed([c for c in cells if c.actual]):
            if cell.rating != "red":
                break
            streak += 1
        rows.append(ScoreRow(kpi, cells, trend, streak))
    return rows


@dataclass(frozen=True)
class ScorecardState:
    """The scorecard in a few figures, for the digest and the appraisal pre-read."""

    counts: dict[str, int]  # the latest colour of each KPI: green, amber, red
    recurring: list[ScoreRow]  # red RED_STREAK periods or more in a row
    missing: list[ScoreRow]  # no actual for the last closed period


def scorecard_state(rows: list[ScoreRow]) -> ScorecardState:
    counts = {colour: 0 for colour in ("green", "amber", "red")}
    for row in rows:
        if row.latest:
            counts[row.latest.rating] += 1
    return ScorecardState(
        counts=counts,
        recurring=[row for row in rows if row.red_streak >= RED_STREAK],
        missing=[row for row in rows if row.cells[-1].actual is None],
    )
