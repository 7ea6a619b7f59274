"""When an escalation's acknowledge/resolve target falls due: pure time logic in the partnership's timezone.

P1/P2 count wall-clock time. P3/P4, and any "bd" target, count business time: the clock runs for the whole
local calendar day (midnight to midnight, 24 hours of business time) on business days and pauses on weekends
and holidays. Days are bounded by real local midnights, so a DST day counts as its real 23 or 25 hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from bot.partnerships.targets import Target
from bot.workdays import WorkCalendar, local_date, local_instant

BUSINESS_SEVERITIES = ("P3", "P4")
MAX_IDLE_DAYS = 3 * 366  # consecutive non-business days before we give up: a calendar with none never ends
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "bd": timedelta(days=1)}


def target_duration(target: Target) -> timedelta:
    if target.unit not in _UNITS:
        raise ValueError(f"unknown target unit {target.unit!r}")
    return target.amount * _UNITS[target.unit]


def counts_business_time(severity: str, target: Target) -> bool:
    return severity in BUSINESS_SEVERITIES or target.unit == "bd"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous: pass an aware instant")
    # Arithmetic on aware datetimes in a local zone is wall-time arithmetic; UTC makes it real time.
    return moment.astimezone(timezone.utc)


def _day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants of the local midnights that open and close `day`."""
    return local_instant(day, time(0), tz), local_instant(day + timedelta(days=1), time(0), tz)


def _business_due(start: datetime, remaining: timedelta, calendar: WorkCalendar) -> datetime:
    day, idle = local_date(start, calendar.timezone), 0
    while idle <= MAX_IDLE_DAYS:
        if calendar.is_business_day(day):
            idle = 0
            opens, closes = _day_bounds(day, calendar.timezone)
            begin = max(start, opens)
            # <= keeps a result that lands on the closing midnight there rather than past the next weekend.
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        else:
            idle += 1
        day += timedelta(days=1)
    raise ValueError(f"the calendar has no business day within {MAX_IDLE_DAYS} days")


def _due(start: datetime, severity: str, target: Target, calendar: WorkCalendar, duration: timedelta) -> datetime:
    start = _utc(start)
    if counts_business_time(severity, target):
        return _business_due(start, duration, calendar)
    return start + duration


def due_at(start: datetime, severity: str, target: Target, calendar: WorkCalendar) -> datetime:
    return _due(start, severity, target, calendar, target_duration(target))


def remind_at(
    start: datetime, severity: str, target: Target, calendar: WorkCalendar, fraction: float = 0.75
) -> datetime:
    if not 0 <= fraction <= 1:
        raise ValueError("a reminder fraction must be between 0 and 1")
    return _due(start, severity, target, calendar, target_duration(target) * fraction)
