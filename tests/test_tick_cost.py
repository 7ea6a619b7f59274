"""An idle scheduler tick costs the same number of statements however many partnerships there are: planners
that look at every partnership each tick read what they need in one statement, never one per partnership."""

from __future__ import annotations

from sqlalchemy import event, false, func, select

from bench.scheduler_tick import START, seed
from bot.partnerships.models import Holiday, Partnership


def planned_all(app) -> None:
    """Tick until every new partnership is planned (a tick plans one batch): the steady state."""
    for _ in range(20):
        app.scheduler.tick()
        with app.runtime.db.session() as session:
            if not session.scalar(select(func.count()).where(Partnership.celebrations_planned == false())):
                return
    raise AssertionError("new partnerships were never all planned")


def idle_tick_statements(app) -> int:
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(app.runtime.db.engine, "before_cursor_execute", count)
    try:
        assert app.scheduler.tick() == 0  # idle: nothing due
    finally:
        event.remove(app.runtime.db.engine, "before_cursor_execute", count)
    return len(statements)


def test_an_idle_tick_sends_as_many_statements_for_many_partnerships_as_for_few(app, clock):
    clock.set(START)
    seed(app.runtime.db, 3)
    planned_all(app)
    few = idle_tick_statements(app)
    seed(app.runtime.db, 30)
    with app.runtime.db.session() as session:  # holidays of their own, read with everyone else's
        for partnership in session.scalars(select(Partnership).limit(10)):
            session.add(Holiday(partnership_id=partnership.id, day=START.date(), name="Closed", added_by="ULEAD"))
    planned_all(app)
    assert idle_tick_statements(app) == few
