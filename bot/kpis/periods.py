"""KPI periods (weekly or monthly, in local dates): where one starts and ends, the ones the scorecard shows, and
when a closed period's actuals are asked for. Pure."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.workdays import WorkCalendar, local_instant

SCORECARD_PERIODS = 6
ASK_AT = time(10, 0)  # local: when a closed period's actuals are asked for, on the next business day


def period_start(period: str, day: date) -> date:
    if period == "weekly":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_end(period: str, start: date) -> date:
    if period == "weekly":
        return start + timedelta(days=6)
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def previous_start(period: str, start: date) -> date:
    return period_start(period, start - timedelta(days=1))


def last_closed_start(period: str, today: date) -> date:
    """The latest period that has ended before `today` (local)."""
    return previous_start(period, period_start(period, today))


def recent_starts(period: str, today: date, count: int = SCORECARD_PERIODS) -> list[date]:
    """The last `count` closed periods, oldest first."""
    starts = [last_closed_start(period, today)]
    while len(starts) < count:
        starts.append(previous_start(period, starts[-1]))
    return starts[::-1]


def ask_at(period: str, start: date, calendar: WorkCalendar) -> datetime:
    """10:00 local on the first business day after the period ends."""
    day = period_end(period, start) + timedelta(days=1)
    for _ in range(3 * 366):
        if calendar.is_business_day(day):
            break
        day += timedelta(days=1)
    return local_instant(day, ASK_AT, calendar.timezone)


def period_label(period: str, start: date) -> str:
    return f"week of {start.isoformat()}" if period == "weekly" else start.strftime("%B %Y")
