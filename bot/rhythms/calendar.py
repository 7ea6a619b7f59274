"""When recurring check-ins ("rhythms") happen: pure date logic in the partnership's own timezone.

Occurrences are chosen by LOCAL date and LOCAL wall-clock time, and only then turned into UTC instants,
so a 09:00 rhythm stays at 09:00 local across DST changes instead of drifting by an hour."""

from __future__ import annotations

from calendar import monthrange  # imported by name: functions below take a parameter called `calendar`
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.workdays import WorkCalendar, local_date, local_instant
from bot.zones import zone_named

CADENCES = (
    "business_days",
    "weekly",
    "biweekly",
    "monthly_day",
    "monthly_first_business_day",
    "monthly_last_business_day",
)
SEARCH_DAYS = 800  # bound on every search, so an impossible rhythm ends instead of looping


@dataclass(frozen=True)
class Cadence:
    kind: str
    local_time: time
    weekdays: tuple[int, ...] = ()
    day_of_month: int | None = None
    anchor: date | None = None


def validate(cadence: Cadence, calendar: WorkCalendar) -> str | None:
    if zone_named(calendar.timezone) is None:
        return f"{calendar.timezone!r} is not a known timezone."
    if cadence.kind not in CADENCES:
        return f"Unknown cadence {cadence.kind!r}."
    if not calendar.business_days:
        return "The partnership has no business days."
    if cadence.kind in ("weekly", "biweekly"):
        if not cadence.weekdays:
            return "Choose at least one weekday."
        if any(not 1 <= d <= 7 for d in cadence.weekdays):
            return "Weekdays must be between 1 (Monday) and 7 (Sunday)."
        if not set(cadence.weekdays) & set(calendar.business_days):
            return "None of the chosen weekdays is a business day."
        if cadence.kind == "biweekly" and cadence.anchor is None:
            return "A biweekly rhythm needs an anchor date."
    if cadence.kind == "monthly_day" and not (cadence.day_of_month and 1 <= cadence.day_of_month <= 31):
        return "Choose a day of the month between 1 and 31."
    return None


def _monday(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def occurs_on(cadence: Cadence, day: date, calendar: WorkCalendar) -> bool:
    # Every kind runs only on business days; a skipped occurrence is dropped, never moved.
    if validate(cadence, calendar) or not calendar.is_business_day(day):
        return False
    kind, last = cadence.kind, monthrange(day.year, day.month)[1]
    if kind == "weekly":
        return day.isoweekday() in cadence.weekdays
    if kind == "biweekly":  # floor division keeps weeks before the anchor on the same two-week grid
        weeks = (_monday(day) - _monday(cadence.anchor)).days // 7
        return day.isoweekday() in cadence.weekdays and weeks % 2 == 0
    if kind == "monthly_day":
        return day.day == min(cadence.day_of_month, last)
    if kind == "monthly_first_business_day":
        return not any(calendar.is_business_day(day.replace(day=d)) for d in range(1, day.day))
    if kind == "monthly_last_business_day":
        return not any(calendar.is_business_day(day.replace(day=d)) for d in range(day.day + 1, last + 1))
    return True  # business_days


def _candidates(cadence: Cadence, calendar: WorkCalendar, start: datetime):
    """Occurrences in order from the day before start's local date (a gap can push a late time past
    midnight), up to SEARCH_DAYS ahead; instants grow with the date since the wall time is fixed."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous: pass an aware instant")
    if validate(cadence, calendar):
        return
    first = local_date(start, calendar.timezone) - timedelta(days=1)
    for offset in range(SEARCH_DAYS + 2):
        day = first + timedelta(days=offset)
        if occurs_on(cadence, day, calendar):
            yield local_instant(day, cadence.local_time, calendar.timezone)


def next_occurrence(cadence: Cadence, calendar: WorkCalendar, after: datetime) -> datetime | None:
    return next((t for t in _candidates(cadence, calendar, after) if t > after), None)
