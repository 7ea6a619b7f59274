"""How fast the scorecard answers for a partnership with 10 KPIs × 2 years of weekly actuals.

    .venv/bin/python -m bench.incentives [--requests 200] [--database-url URL]

The database must be empty (default: a new SQLite file). For PostgreSQL, e.g.
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'

Prints the median and p95 of (1) building the scorecard in the service (one unit of work) and (2) the whole
`/partner scorecard` round trip over signed HTTP to the real app, against `/partner help` measured the same
way in the same run (the baseline: the app's floor for any command)."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.kpis import service as kpis
from bot.kpis.models import Kpi, KpiActual
from bot.partnerships.models import Partnership
from tests.harness.app_server import SIGNING_SECRET, AppServer
from tests.harness.clock import FakeClock
from tests.harness.fake_slack import FakeSlack
from tests.harness.flows import set_up_partnership
from tests.harness.slack_driver import SlackDriver

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
KPIS, WEEKS = 10, 104


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def seed(app: AppServer) -> None:
    rng = random.Random(7)
    with app.runtime.db.session() as session:
        partnership = session.scalar(select(Partnership))
        first_week = kpis.last_closed_start("weekly", NOW.date()) - timedelta(weeks=WEEKS - 1)
        for n in range(1, KPIS + 1):
            kpi = Kpi(
                partnership_id=partnership.id,
                number=n,
                name=f"KPI {n}",
                unit="%",
                target=90.0,
                higher_is_better=n % 2 == 0,
                amber_percent=5.0,
                reporting_side="vendor" if n % 2 else "client",
                period="weekly",
                created_by="ULEAD",
                created_at=NOW - timedelta(weeks=WEEKS + 1),
            )
            session.add(kpi)
            session.flush()
            for week in range(WEEKS):
                start = first_week + timedelta(weeks=week)
                for _ in range(1 + (week % 10 == 0)):  # some corrections
                    session.add(
                        KpiActual(
                            kpi_id=kpi.id,
                            period_start=start,
                            value=rng.uniform(70, 100),
                            comment="",
                            reported_by_team="T_HOME",
                            reported_by_user="ULEAD",
                            reported_at=NOW - timedelta(weeks=WEEKS - week),
                        )
                    )


def measure(label: str, action, runs: int) -> list[float]:
    for _ in range(20):  # warm up connections and caches
        action()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"{label:<34} n={runs}  median {statistics.median(timings):6.1f} ms  "
        f"p95 {percentile(timings, 0.95):6.1f} ms  max {max(timings):6.1f} ms"
    )
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    with FakeSlack(team_id="T_HOME") as fake:
        fake.add_user("ULEAD", "T_HOME")
        app = AppServer(database_url=url, api_url=fake.api_url, clock=FakeClock(NOW)).start()
        try:
            with app.runtime.db.session() as session:
                if session.scalar(select(func.count()).select_from(Partnership)):
                    raise SystemExit("give an empty database: this benchmark seeds its own partnership")
            slack = SlackDriver(app.url, SIGNING_SECRET, fake)
            set_up_partnership(slack, fake, app)
            seed(app)
            with app.runtime.db.session() as session:
                actuals = session.scalar(select(func.count()).select_from(KpiActual))
            print(f"{KPIS} KPIs, {WEEKS} weeks each, {actuals} actuals (corrections included)")

            def service_scorecard():
                with app.runtime.db.session() as session:
                    rows = kpis.scorecard(session, session.scalar(select(Partnership)), NOW)
                    assert len(rows) == KPIS and all(r.latest for r in rows)

            def command(words):
                def run():
                    response = slack.command(words)
                    assert response.status == 200 and response.json.get("text"), response.body

                return run

            measure("scorecard (service)", service_scorecard, args.requests)
            base = measure("/partner help (baseline)", command("help"), args.requests)
            card = measure("/partner scorecard", command("scorecard"), args.requests)
            print(f"scorecard p95 / help p95: {percentile(card, 0.95) / percentile(base, 0.95):.2f}x")
        finally:
            app.stop()


if __name__ == "__main__":
    main()
