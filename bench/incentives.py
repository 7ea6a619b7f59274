"""How fast the scorecard and the incentive report answer for a partnership with 10 KPIs × 2 years of weekly
actuals and 2 years of quarterly incentive reviews (8 reviews, 6 answers each).

    .venv/bin/python -m bench.incentives [--requests 200] [--database-url URL]

The database must be empty (default: a new SQLite file). For PostgreSQL, e.g.
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'

Prints the median and p95 of building the scorecard and the latest review's report in the services (one unit
of work each), and of the whole `/partner scorecard` and `/partner incentives` round trips over signed HTTP to
the real app, against `/partner help` measured the same way in the same run (the baseline: the app's floor
for any command)."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.incentives import service as incentives
from bot.incentives.models import IncentiveAnswer, IncentiveReview
from bot.kpis import periods
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
REVIEWS, ANSWERS = 8, 6
RANKINGS = (["quality", "speed", "cost", "innovation"], ["cost", "quality", "speed", "innovation"])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def seed(app: AppServer) -> None:
    rng = random.Random(7)
    with app.runtime.db.session() as session:
        partnership = session.scalar(select(Partnership))
        first_week = periods.last_closed_start("weekly", NOW.date()) - timedelta(weeks=WEEKS - 1)
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


def seed_reviews(app: AppServer) -> None:
    with app.runtime.db.session() as session:
        partnership = session.scalar(select(Partnership))
        for n in range(REVIEWS):
            opened = NOW - timedelta(weeks=13 * (REVIEWS - n))
            review = IncentiveReview(
                partnership_id=partnership.id,
                key=f"bench-{n}",
                opened_at=opened,
                closes_at=opened + timedelta(days=7),
                closed_at=opened + timedelta(days=7),
                paid_for="Per resolved ticket; bonus above 90% CSAT",
                client_priorities=RANKINGS[0],
                vendor_priorities=RANKINGS[1],
            )
            session.add(review)
            session.flush()
            for a in range(ANSWERS):
                session.add(
                    IncentiveAnswer(
                        review_id=review.id,
                        team_id="T_HOME" if a % 2 else "T_EXT",
                        user_id=f"U{a}",
                        side="client" if a % 2 else "vendor",
                        still_wanted=("yes", "partly", "no")[a % 3],
                        why="Because",
                        ranking=RANKINGS[a % 2],
                        unwanted_behaviour="Closing tickets early",
                        answered_at=opened + timedelta(days=1),
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
            seed_reviews(app)
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

            def service_report():
                with app.runtime.db.session() as session:
                    review = incentives.latest_review(session, session.scalar(select(Partnership)))
                    assert incentives.review_report(review).misaligned

            measure("scorecard (service)", service_scorecard, args.requests)
            measure("incentive report (service)", service_report, args.requests)
            base = measure("/partner help (baseline)", command("help"), args.requests)
            for words in ("scorecard", "incentives"):
                timings = measure(f"/partner {words}", command(words), args.requests)
                print(f"  p95 against help's p95: {percentile(timings, 0.95) / percentile(base, 0.95):.2f}x")
        finally:
            app.stop()


if __name__ == "__main__":
    main()
