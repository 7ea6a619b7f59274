"""An idle tick's reads go through an index in the plan the database keeps for them, not only in the plan made
for one run's parameters: on PostgreSQL a statement run again and again is prepared (psycopg) and may be given one
generic plan for any `now`, which cannot see that nothing is due. At 10k partnerships a generic plan that scanned
the table cost the idle tick 2 ms more than at 1k (stop 21). The planner's choice depends on the tables'
statistics: checked right after seeding, and on PostgreSQL after ANALYZE too (what autovacuum gathers). The app never
runs ANALYZE on SQLite, so SQLite always plans without statistics."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, text

from bench.scheduler_tick import START, seed
from bot.governance.models import HomeView
from tests.harness.generic_plans import kept_plan, sequential_scans
from tests.test_tick_cost import planned_all

# Tables an idle tick reads that grow with the partnerships; the others are empty here.
GROWING = {"partnerships", "rhythms", "next_moments", "scheduled_sends", "home_views"}


def idle_tick_reads(app) -> list[tuple[str, object]]:
    reads = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append((statement, parameters))

    event.listen(app.runtime.db.engine, "before_cursor_execute", keep)
    try:
        assert app.scheduler.tick() == 0  # idle: nothing due
    finally:
        event.remove(app.runtime.db.engine, "before_cursor_execute", keep)
    return reads


def scanned(app) -> dict[str, list[str]]:
    engine = app.runtime.db.engine
    found = {}
    for statement, parameters in idle_tick_reads(app):
        tables = set(sequential_scans(kept_plan(engine, statement, parameters))) & GROWING
        if tables:
            words = " ".join(statement.split())
            found[words[words.find(" FROM ") :][:160]] = sorted(tables)  # the columns read say little
    return found


def test_an_idle_tick_reads_through_indexes_in_the_plans_the_database_keeps(app, clock):
    clock.set(START)
    seed(app.runtime.db, 1000)
    planned_all(app)
    with app.runtime.db.session() as session:  # people who opened their Home, rechecked later
        for n in range(1000):
            session.add(HomeView(team_id="T_HOME", user_id=f"UHOME{n:04d}", opened_at=START,
                                 recheck_at=START + timedelta(days=1 + n % 30)))  # fmt: skip
    assert scanned(app) == {}, "as seeded"
    if app.runtime.db.engine.dialect.name != "postgresql":
        return
    with app.runtime.db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    assert scanned(app) == {}, "after ANALYZE"
