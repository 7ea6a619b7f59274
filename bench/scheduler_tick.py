"""How long one scheduler tick takes with 1,000 active rhythms in the database.

    .venv/bin/python -m bench.scheduler_tick [--rhythms 1000] [--database-url URL] [--explain]

The database must be empty (default: a new SQLite file). For PostgreSQL, e.g.
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'

Measures (1) an idle tick, when nothing is due: the cost every replica pays every 10 s; (2) the
planning step when all rhythms come due at once; (3) the whole tick that then posts every check-in
to the fake Slack Web API over HTTP (1,000 channels, so pacing never waits). With --explain, the plan the database
keeps for each statement of an idle tick is printed instead: every read of it should go through an index."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from datetime import time as clock_time

from sqlalchemy import event, false, func, select

from bot import moments
from bot.claims import ScheduledSend
from bot.db import Database
from bot.moments import NextMoment
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.rhythms.models import DEFAULT_QUESTIONS, Rhythm
from schedules.rhythms import plan_checkins
from tests.harness.app_server import AppServer
from tests.harness.clock import FakeClock
from tests.harness.fake_slack import FakeSlack

START = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
DUE = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def seed(db: Database, count: int) -> None:
    settings = partnerships.PartnershipSettings(
        name="Bench",
        client_org="Client",
        vendor_org="Vendor",
        home_side="client",
        timezone="UTC",
        business_days=[1, 2, 3, 4, 5],
    )
    with db.session() as session:
        first = session.scalar(select(func.count()).select_from(Partnership))  # seeding again adds more
        for n in range(first, first + count):
            partnership = partnerships.create_partnership(
                session,
                channel_id=f"CBENCH{n:05d}",
                settings=settings,
                home_team_id="T_HOME",
                created_by="ULEAD",
                now=START,
            )
            session.add(
                Rhythm(
                    partnership_id=partnership.id,
                    number=1,
                    name=f"Rhythm {n}",
                    cadence="weekly",
                    weekdays=[1],
                    local_time=clock_time(9),
                    audience="both",
                    people=[],
                    questions=list(DEFAULT_QUESTIONS),
                    window_minutes=24 * 60,
                    nudge_after_minutes=None,
                    next_run_at=DUE,
                    created_by="ULEAD",
                    created_at=START,
                )
            )


def explain_idle_tick(app) -> None:
    """The plan the database keeps for each SELECT of an idle tick (run once more): on PostgreSQL the generic plan
    of the prepared statement, which a statement run every tick ends up with."""
    from tests.harness.generic_plans import kept_plan

    statements = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = app.runtime.db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        app.scheduler.tick()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    for statement, parameters in statements:
        print(" ".join(statement.split())[:160])
        for line in kept_plan(engine, statement, parameters):
            print("    ", line)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rhythms", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--explain", action="store_true", help="print the plans of an idle tick's reads")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    clock = FakeClock(START)
    with FakeSlack(team_id="T_HOME") as fake:
        fake.add_user("ULEAD", "T_HOME")
        app = AppServer(database_url=url, api_url=fake.api_url, clock=clock).start()
        try:
            with app.runtime.db.session() as session:
                if session.scalar(select(func.count()).select_from(Rhythm)):
                    raise SystemExit("give an empty database: this benchmark seeds its own rhythms")
            seed(app.runtime.db, args.rhythms)
            while app.scheduler.tick() or unplanned(app.runtime.db):  # new partnerships are planned a batch a tick
                pass
            if args.explain:
                explain_idle_tick(app)
                return
            idle = [timed(app.scheduler.tick) for _ in range(50)]
            print(
                f"idle tick, {args.rhythms} active rhythms, nothing due: median {statistics.median(idle):.1f} ms, "
                f"max {max(idle):.1f} ms"
            )
            clock.set(DUE)
            planning = timed(lambda: plan_checkins(app.runtime, DUE))
            with app.runtime.db.session() as session:
                owed = session.scalar(select(func.count()).where(ScheduledSend.kind == "checkin"))
            print(f"planning {args.rhythms} due rhythms into {owed} owed check-ins: {planning:.0f} ms")
            sending = timed(app.scheduler.tick)
            posts = len(fake.calls_to("chat.postMessage"))
            print(
                f"tick that posts them: {sending:.0f} ms for {posts} check-ins "
                f"({sending / max(posts, 1):.1f} ms each, with conversations.members and chat.postMessage)"
            )
            clock.set(DUE + timedelta(minutes=1))
            after = [timed(app.scheduler.tick) for _ in range(20)]
            print(f"idle tick afterwards: median {statistics.median(after):.1f} ms")
        finally:
            app.stop()


def unplanned(db: Database) -> int:
    """New partnerships not yet looked at by every planner (each looks at a batch a tick)."""
    with db.session() as session:
        celebrations = session.scalar(select(func.count()).where(Partnership.celebrations_planned == false()))
        return celebrations + session.scalar(select(func.count()).where(NextMoment.due_at <= moments.EARLIEST))


if __name__ == "__main__":
    main()
