"""KPI periods over time: when a period closes (the next business day, 10:00 local), the reporting side is
asked for its actuals; a day later, whoever has not reported is nudged once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot import moments
from bot.claims import SendJob, schedule_send
from bot.escalations import sla
from bot.kpis import periods
from bot.kpis import service as kpis
from bot.kpis.blocks import ask_blocks, nudge_blocks
from bot.kpis.models import Kpi
from bot.kpis.reporting import reporters
from bot.partnerships.models import Partnership
from bot.partnerships.targets import Target
from bot.runtime import Runtime
from bot.workdays import local_date, local_instant, work_calendars
from schedules.messages import tell
from schedules.scheduler import PLAN_BATCH, probed

NUDGE_AFTER = Target(1, "bd")


@probed(lambda now: moments.any_due("kpi_ask", now))
def plan_kpi_asks(rt: Runtime, now: datetime) -> None:
    """Owe the ask (and its nudge) for the latest closed period of each (partnership, side, period) with KPIs.
    Only partnerships whose moment has come are read, a batch a tick; each look stores the next moment."""
    with rt.db.session() as session:
        looks = moments.due(session, "kpi_ask", now, PLAN_BATCH)
        if not looks:
            return
        ids = [partnership_id for partnership_id, _ in looks]
        groups = session.execute(
            select(Kpi.partnership_id, Kpi.reporting_side, Kpi.period, Kpi.created_at).where(
                Kpi.retired_at.is_(None), Kpi.partnership_id.in_(ids)
            )
        ).all()
        first_seen: dict[tuple[int, str, str], datetime] = {}
        for partnership_id, side, period, created_at in groups:
            key = (partnership_id, side, period)
            first_seen[key] = min(first_seen.get(key, created_at), created_at)
        calendars = work_calendars(session, list(session.scalars(select(Partnership).where(Partnership.id.in_(ids)))))
        for (partnership_id, side, period), created_at in first_seen.items():
            _owe_ask(session, partnership_id, side, period, created_at, calendars[partnership_id], now)
        for partnership_id, seen in looks:
            periods_kept = {period for (pid, _, period) in first_seen if pid == partnership_id}
            moments.move(session, "kpi_ask", partnership_id, seen,
                         _next_look(periods_kept, calendars[partnership_id], now))  # fmt: skip


def _owe_ask(session, partnership_id: int, side: str, period: str, created_at: datetime, calendar, now) -> None:
    start = periods.last_closed_start(period, local_date(now, calendar.timezone))
    if periods.period_end(period, start) < local_date(created_at, calendar.timezone):
        return  # the KPI did not exist during that period
    asked = periods.ask_at(period, start, calendar)
    if asked > now:
        return
    key = f"kpi:{partnership_id}:{side}:{period}:{start.isoformat()}"
    payload = {"side": side, "period": period, "start": start.isoformat()}
    schedule_send(session, key=f"{key}:ask", kind="kpi_ask", due_at=asked, subject_id=partnership_id, payload=payload)
    schedule_send(
        session,
        key=f"{key}:nudge",
        kind="kpi_nudge",
        due_at=sla.due_at(asked, "P3", NUDGE_AFTER, calendar),
        subject_id=partnership_id,
        payload=payload,
    )


def _next_look(kinds_of_period: set[str], calendar, now: datetime) -> datetime:
    """Until the next period begins (local midnight), the latest closed period stays the same, so an ask comes
    due only at its own moment: the earlier of the two, over the partnership's kinds of period."""
    today, found = local_date(now, calendar.timezone), []
    for period in kinds_of_period:
        asked = periods.ask_at(period, periods.last_closed_start(period, today), calendar)
        following = periods.period_end(period, periods.period_start(period, today)) + timedelta(days=1)
        found += [asked] if asked > now else []
        found.append(local_instant(following, time(0), calendar.timezone))
    return min(found, default=moments.NEVER)


def _perform(rt: Runtime, job: SendJob, nudge: bool) -> str | None:
    side, period, start = job.payload["side"], job.payload["period"], date.fromisoformat(job.payload["start"])
    with rt.db.session() as session:
        partnership = session.get(Partnership, job.subject_id)
        if partnership is None:
            return "dropped"
        wanted = kpis.missing_for(session, partnership, side, period, start)
        if not wanted:
            return "dropped"  # all reported already (or the KPIs were retired)
        build = nudge_blocks if nudge else ask_blocks
        text, blocks = build(partnership, side, period, start, wanted)
        tell(
            session,
            key=job.key,
            due_at=job.due_at,
            partnership=partnership,
            people=[(m.team_id, m.user_id) for m in reporters(partnership, side)],
            text=text,
            blocks=blocks,
        )
    return None


def ask(rt: Runtime, job: SendJob) -> str | None:
    return _perform(rt, job, nudge=False)


def nudge(rt: Runtime, job: SendJob) -> str | None:
    return _perform(rt, job, nudge=True)


PERFORMERS = {"kpi_ask": ask, "kpi_nudge": nudge}
