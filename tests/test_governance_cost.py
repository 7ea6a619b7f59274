"""What governance reads on a partnership with two years of history: the pre-read is one statement (each table
read once for both of its periods), the App Home does not read once per open item, and the scorecard reads only
the periods each KPI shows. Counted in statements and rows, never timed."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, insert, select

from bot.governance import home as homes
from bot.governance import preread as prereads
from bot.kpis import periods
from bot.kpis import service as kpis
from bot.models import Checkin, FeedbackCycle, Kpi, KpiActual, Partnership, Rhythm
from bot.partnerships import service as partnerships
from tests.harness.history import add_history

SECRET = b"test-answer-key"


@contextmanager
def statements(engine):
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_the_pre_read_reads_each_table_once_for_both_periods(slack, app, clock, partnership):
    add_history(app.runtime.db, partnership, clock.now())
    end = clock.now()
    with app.runtime.db.session() as session:
        found = partnerships.require_partnership(session, partnership)
        _ = found.charter, found.members
        with statements(app.runtime.db.engine) as seen:
            pre = prereads.pre_read(session, found, end - timedelta(days=91), end)
    # the health trend, the two periods (check-ins, answers, cycles, scores, escalations, milestones, kudos,
    # actions), the scorecard, the incentive review with its answers and the decisions: one gathered statement
    assert len(seen) == 1, "\n\n".join(seen)
    assert pre.current.escalations.by_severity != pre.previous.escalations.by_severity or pre.current.feedback


def test_each_period_of_the_pre_read_reads_as_it_would_on_its_own(slack, app, clock, partnership):
    """The two periods come from one read of each table, split by period: each must equal the figures of that
    period read as the current one."""
    add_history(app.runtime.db, partnership, clock.now())
    end = clock.now()
    start, before = end - timedelta(days=91), end - timedelta(days=182)
    with app.runtime.db.session() as session:
        found = partnerships.require_partnership(session, partnership)
        current, previous = prereads.period_figures(session, found, start, end, before)
        alone, _ = prereads.period_figures(session, found, before, start, before - timedelta(days=91))
        again, _ = prereads.period_figures(session, found, start, end, start)
    assert previous == alone
    assert current == again
    assert current.response_rate is not None and current.feedback and sum(current.escalations.by_severity.values())
    assert current.start == start and previous.end == start


def open_items(app, channel: str, now, checkins: int, cycles: int, first: int = 0) -> None:
    """Open check-ins asking ULEAD and open feedback cycles, numbered from `first` (each its own start)."""
    with app.runtime.db.session() as session:
        pid = session.scalar(select(Partnership.id).where(Partnership.channel_id == channel))
        rhythm = session.scalar(select(Rhythm.id).where(Rhythm.partnership_id == pid))
        for n in range(checkins):
            asked_at = now - timedelta(minutes=first + n + 1)
            session.add(Checkin(rhythm_id=rhythm, partnership_id=pid, scheduled_for=asked_at,
                                closes_at=now + timedelta(hours=n + 1), status="sent", sent_at=asked_at,
                                expected=[{"team": "T_HOME", "user": "ULEAD"}], away=[]))  # fmt: skip
        for n in range(cycles):
            opens = now - timedelta(minutes=first + n + 1)
            session.add(FeedbackCycle(partnership_id=pid, number=1000 + first + n, opens_at=opens,
                                      closes_at=now + timedelta(days=1), anonymous=False, status="open"))  # fmt: skip


def home_statements(app, now) -> tuple[int, homes.Home]:
    with app.runtime.db.session() as session:
        with statements(app.runtime.db.engine) as seen:
            found = homes.home(session, "ULEAD", now, SECRET)
            _ = [c.rhythm.name for _, c in found.waiting.checkins]  # what the Home view reads of each check-in
        return len(seen), found


def test_the_home_reads_the_same_however_many_items_are_open(slack, app, clock, partnership):
    add_history(app.runtime.db, partnership, clock.now())
    now = clock.now()
    open_items(app, partnership, now, checkins=1, cycles=1)
    few, found = home_statements(app, now)
    assert (len(found.waiting.checkins), len(found.waiting.cycles)) == (1, 1)
    open_items(app, partnership, now, checkins=4, cycles=2, first=10)
    many, found = home_statements(app, now)
    assert (len(found.waiting.checkins), len(found.waiting.cycles)) == (5, 3)
    assert many == few
    # the member and partnership, the council, one gathered read of the partnership's own tables and its health,
    # and the other areas' reads (appraisal forms, decisions, KPI actuals owed, the incentive review, the calendar)
    assert few <= 11


def test_the_scorecard_reads_only_the_periods_each_kpi_shows(slack, app, clock, partnership):
    """A weekly KPI beside a monthly one: the weekly one's six weeks are read, not the six months the monthly
    one needs."""
    now = clock.now()
    with app.runtime.db.session() as session:
        pid = session.scalar(select(Partnership.id).where(Partnership.channel_id == partnership))
        for number, period in ((1, "weekly"), (2, "monthly")):
            kpi = Kpi(partnership_id=pid, number=number, name=f"KPI {number}", unit="%", target=90.0,
                      higher_is_better=True, amber_percent=5.0, reporting_side="vendor", period=period,
                      created_by="ULEAD", created_at=now - timedelta(days=800))  # fmt: skip
            session.add(kpi)
            session.flush()
            starts = periods.recent_starts(period, now.date(), 30)
            session.execute(insert(KpiActual), [
                {"kpi_id": kpi.id, "period_start": start, "value": 80.0 + n % 15, "comment": "",
                 "reported_by_team": "T_EXT", "reported_by_user": "UEXT1", "reported_at": now}
                for n, start in enumerate(starts)
            ])  # fmt: skip
    built: list[KpiActual] = []

    def note(target, *_):
        built.append(target)

    event.listen(KpiActual, "init", note)
    try:
        with app.runtime.db.session() as session:
            rows = kpis.scorecard(session, session.get(Partnership, pid), now)
    finally:
        event.remove(KpiActual, "init", note)
    assert [len([c for c in row.cells if c.actual]) for row in rows] == [6, 6]
    assert len(built) == 12  # six actuals of each KPI, nothing older
