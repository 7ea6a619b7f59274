"""Who reports a side's KPIs, and what a side still owes: the actuals of its latest closed periods whose ask has
gone out and that nobody has entered yet. No Slack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.kpis.models import Kpi
from bot.kpis.periods import ask_at, last_closed_start, period_end
from bot.kpis.service import active_kpis, current_actuals
from bot.partnerships import service as partnerships
from bot.partnerships.models import Member, Partnership
from bot.workdays import WorkCalendar, local_date


def reporters(partnership: Partnership, side: str) -> list[Member]:
    """Who is asked for a side's actuals: the side's leads, or everyone of the side while it has none."""
    return partnerships.leads(partnership, side) or [m for m in partnership.members if m.side == side]


@dataclass(frozen=True)
class Owed:
    side: str
    period: str  # weekly or monthly
    start: date
    kpis: list[Kpi]

    @property
    def button_value(self) -> str:
        """What an Enter actuals button carries: partnership id | side | period | period start."""
        return f"{self.kpis[0].partnership_id}|{self.side}|{self.period}|{self.start.isoformat()}"


def owed_actuals(
    session: Session, partnership: Partnership, side: str, calendar: WorkCalendar, now: datetime
) -> list[Owed]:
    """Per kind of period, the latest closed one whose ask has gone out, with the side's KPIs that have no
    actual for it (KPIs added after that period ended owe nothing for it). Two statements."""
    kpis = [k for k in active_kpis(session, partnership) if k.reporting_side == side]
    if not kpis:
        return []
    today = local_date(now, calendar.timezone)
    starts = {period: last_closed_start(period, today) for period in sorted({k.period for k in kpis})}
    have = current_actuals(session, kpis, min(starts.values()))
    owed = []
    for period, start in starts.items():
        if ask_at(period, start, calendar) > now:
            continue
        wanted = [
            k
            for k in kpis
            if k.period == period
            and (k.id, start) not in have
            and period_end(period, start) >= local_date(k.created_at, calendar.timezone)
        ]
        if wanted:
            owed.append(Owed(side, period, start, wanted))
    return owed
