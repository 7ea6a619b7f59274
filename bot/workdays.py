"""The work calendar every area shares: a partnership's business days and holidays, and local dates.

Local wall-clock times are turned into UTC instants with zoneinfo, so 09:00 stays 09:00 local across
daylight-saving changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.gather import Gather
from bot.partnerships.models import Holiday, Partnership


@dataclass(frozen=True)
class WorkCalendar:
    timezone: str
    business_days: tuple[int, ...]
    holidays: frozenset[date] = frozenset()

    def is_business_day(self, day: date) -> bool:
        return day.isoweekday() in self.business_days and day not in self.holidays


def work_calendar(session: Session, partnership: Partnership) -> WorkCalendar:
    return WorkCalendar(
        timezone=partnership.timezone,
        business_days=tuple(partnership.business_days),
        holidays=frozenset(session.scalars(select(Holiday.day).where(Holiday.partnership_id == partnership.id))),
    )


def work_calendars(session: Session, partnerships: list[Partnership]) -> dict[int, WorkCalendar]:
    """`work_calendar` of many partnerships at once: one statement for all their holidays, however many they are
    (a planner looking at every partnership each tick would otherwise send one per partnership)."""
    holidays: dict[int, set[date]] = {}
    ids = [p.id for p in partnerships]
    if ids:
        for partnership_id, day in session.execute(
            select(Holiday.partnership_id, Holiday.day).where(Holiday.partnership_id.in_(ids))
        ):
            holidays.setdefault(partnership_id, set()).add(day)
    return {
        p.id: WorkCalendar(p.timezone, tuple(p.business_days), frozenset(holidays.get(p.id, ()))) for p in partnerships
    }


def work_calendar_read(gather: Gather, partnership: Partnership) -> Callable[[], WorkCalendar]:
    """`work_calendar` as part of a gathered read."""
    days = gather.rows(lambda p: select(Holiday.day).where(Holiday.partnership_id == p.pid), pid=partnership.id)
    return lambda: WorkCalendar(
        timezone=partnership.timezone,
        business_days=tuple(partnership.business_days),
        holidays=frozenset(day for (day,) in days.get()),
    )


def local_instant(day: date, local_time: time, tz: str) -> datetime:
    # fold=0 picks the first of two ambiguous times; for a time in a spring-forward gap zoneinfo applies the
    # pre-transition offset, which lands the same distance past the gap (02:30 -> 03:30).
    wall = datetime.combine(day, local_time.replace(tzinfo=None, fold=0), tzinfo=ZoneInfo(tz))
    return wall.astimezone(timezone.utc)


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def next_weekday_at(weekday: int, local_time: time, tz: str, after: datetime) -> datetime:
    """The first instant after `after` that is `local_time` on ISO `weekday`, in `tz`."""
    day = local_date(after, tz) - timedelta(days=1)  # a wall time in a DST gap can land past midnight
    while True:
        if day.isoweekday() == weekday and (moment := local_instant(day, local_time, tz)) > after:
            return moment
        day += timedelta(days=1)
