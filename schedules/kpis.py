"""KPI periods over time: when a period closes (the next business day, 10:00 local), the reporting side is
asked for its actuals; a day later, whoever has not reported is nudged once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

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
from bot.workdays import local_date, work_calendar
from schedules.messages import tell

NUDGE_AFTER = Target(1, "bd")


def plan_kpi_asks(rt: Runtime, now: datetime) -> None:
    """Owe the ask (and its nudge) for the latest closed period of each (partnership, side, period) with KPIs."""
    with rt.db.session() as session:
        groups = session.execute(
            select(Kpi.partnership_id, Kpi.reporting_side, Kpi.period, Kpi.created_at).where(Kpi.retired_at.is_(None))
        ).all()
        first_seen: dict[tuple[int, str, str], datetime] = {}
        for partnership_id, side, period, created_at in groups:
            key = (partnership_id, side, period)
            first_seen[key] = min(first_seen.get(key, created_at), created_at)
        calendars = {}
        for (partnership_id, side, period), created_at in first_seen.items():
            if partnership_id not in calendars:
                calendars[partnership_id] = work_calendar(session, session.get(Partnership, partnership_id))
            calendar = calendars[partnership_id]
            start = periods.last_closed_start(period, local_date(now, calendar.timezone))
            if periods.period_end(period, start) < local_date(created_at, calendar.timezone):
                continue  # the KPI did not exist during that period
            asked = periods.ask_at(period, start, calendar)
            if asked > now:
                continue
            key = f"kpi:{partnership_id}:{side}:{period}:{start.isoformat()}"
            payload = {"side": side, "period": period, "start": start.isoformat()}
            schedule_send(
                session, key=f"{key}:ask", kind="kpi_ask", due_at=asked, subject_id=partnership_id, payload=payload
            )
            schedule_send(
                session,
                key=f"{key}:nudge",
                kind="kpi_nudge",
                due_at=sla.due_at(asked, "P3", NUDGE_AFTER, calendar),
                subject_id=partnership_id,
                payload=payload,
            )


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
