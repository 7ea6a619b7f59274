"""How long governance takes for a partnership with two years of history: the health score (with its change
over 30 days), the App Home view of a lead, the pre-read's figures, and each chart.

    .venv/bin/python -m bench.governance [--database-url URL] [--runs 50]

The database must be empty (default: a new SQLite file). For PostgreSQL, e.g.
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'

History: ~100 weekly check-ins × 10 answers, 200 escalations, 50 feedback cycles × 20 answers, 500 kudos,
100 actions and 40 milestones over two years, 20 members; and what feeds governance from the other areas: 10
weekly KPIs with two years of actuals, 60 decisions, 8 incentive reviews. The baseline, measured in the same run, is one
`SELECT 1` round trip in a unit of work; ratios are printed against it, with the SQL statements each sends.
Charts are timed apart."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, insert, select, text

from bot.actions.models import Action
from bot.db import Database
from bot.decisions.models import Decision
from bot.escalations.models import Escalation
from bot.feedback.models import FeedbackCycle, FeedbackPoint, FeedbackResponse
from bot.governance import charts
from bot.governance import home as homes
from bot.governance import preread as prereads
from bot.governance import service as governance
from bot.governance.home_blocks import home_view
from bot.incentives.models import IncentiveAnswer, IncentiveReview
from bot.kpis import periods
from bot.kpis.models import Kpi, KpiActual
from bot.kudos.models import Kudos
from bot.milestones.models import Milestone
from bot.partnerships import service as partnerships
from bot.partnerships.models import Member, Partnership
from bot.rhythms.models import DEFAULT_QUESTIONS, Answer, Checkin, Rhythm

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
START = NOW - timedelta(days=730)


def seed(db: Database) -> int:
    rng = random.Random(7)
    settings = partnerships.PartnershipSettings(
        name="Bench",
        client_org="Client",
        vendor_org="Vendor",
        home_side="client",
        timezone="Europe/London",
        business_days=[1, 2, 3, 4, 5],
        governance_channel_id="CGOV",
    )
    with db.session() as session:
        p = partnerships.create_partnership(
            session, channel_id="CBENCH", settings=settings, home_team_id="T_HOME", created_by="ULEAD", now=START
        )
        pid = p.id
        people = [("T_HOME", f"UH{n}") for n in range(10)] + [("T_EXT", f"UE{n}") for n in range(10)]
        for team, user in people[1:]:
            session.add(
                Member(
                    partnership_id=pid,
                    team_id=team,
                    user_id=user,
                    side="client" if team == "T_HOME" else "vendor",
                    role="lead" if user == "UE0" else "member",
                    joined_at=START,
                )
            )
        p.members[0].user_id = "UH0"
        rhythm = Rhythm(
            partnership_id=pid,
            number=1,
            name="Weekly",
            cadence="weekly",
            weekdays=[1],
            local_time=datetime(2026, 1, 1, 9).time(),
            audience="both",
            people=[],
            questions=list(DEFAULT_QUESTIONS),
            window_minutes=1440,
            nudge_after_minutes=None,
            created_by="UH0",
            created_at=START,
        )
        session.add(rhythm)
        session.flush()
        expected = [{"team": t, "user": u} for t, u in people[:10:1]][:10]
        for week in range(104):
            at = START + timedelta(days=7 * week)
            checkin = Checkin(
                rhythm_id=rhythm.id,
                partnership_id=pid,
                scheduled_for=at,
                closes_at=at + timedelta(days=1),
                status="sent",
                sent_at=at,
                expected=expected,
                away=[],
            )
            session.add(checkin)
            session.flush()
            session.execute(
                insert(Answer),
                [
                    {
                        "checkin_id": checkin.id,
                        "team_id": e["team"],
                        "user_id": e["user"],
                        "text": "moved",
                        "source": "thread",
                        "message_ts": f"{week}.{i}",
                        "answered_at": at + timedelta(hours=i),
                        "latency_seconds": 3600 * i,
                        "late": i > 8,
                    }
                    for i, e in enumerate(expected)
                ],
            )
        categories = ["quality", "timeliness", "staffing", "communication", "process"]
        for n in range(200):
            raised = START + timedelta(hours=rng.randint(0, 730 * 24))
            done = rng.random() < 0.9
            session.execute(
                insert(Escalation).values(
                    partnership_id=pid,
                    number=n + 1,
                    title=f"Escalation {n}",
                    severity=rng.choice(["P1", "P2", "P3", "P4"]),
                    category=rng.choice(categories),
                    description="d",
                    impact="",
                    state="closed" if done else "open",
                    raised_by_team="T_EXT",
                    raised_by_user="UE1",
                    raised_at=raised,
                    acknowledged_at=raised + timedelta(hours=1),
                    resolved_at=raised + timedelta(days=2) if done else None,
                    ack_due_at=raised + timedelta(hours=2),
                    resolve_due_at=raised + timedelta(days=3),
                    ack_breached_at=None,
                    resolve_breached_at=raised + timedelta(days=3) if not done else None,
                )
            )
        for n in range(50):
            opens = START + timedelta(days=14 * n)
            cycle = FeedbackCycle(
                partnership_id=pid,
                number=n + 1,
                opens_at=opens,
                closes_at=opens + timedelta(days=14),
                anonymous=False,
                status="closed",
            )
            session.add(cycle)
            session.flush()
            for i, (team, user) in enumerate(people):
                response = FeedbackResponse(
                    cycle_id=cycle.id,
                    giver_side="client" if team == "T_HOME" else "vendor",
                    giver_key=f"{n}:{user}",
                    giver_team=team,
                    giver_user=user,
                    quality=rng.randint(2, 5),
                    communication=rng.randint(2, 5),
                    responsiveness=rng.randint(2, 5),
                    proactivity=rng.randint(2, 5),
                    recommend=rng.randint(5, 10),
                    given_at=opens + timedelta(hours=i),
                )
                session.add(response)
                if i % 5 == 0:
                    response.points.append(
                        FeedbackPoint(
                            cycle_id=cycle.id,
                            side=response.giver_side,
                            kind="change",
                            text="faster answers",
                            times_raised=1 + (n % 3),
                        )
                    )
        session.execute(
            insert(Kudos),
            [
                {
                    "partnership_id": pid,
                    "giver_team": "T_HOME",
                    "giver_user": "UH1",
                    "giver_side": "client" if n % 2 else "vendor",
                    "receiver_team": "T_EXT",
                    "receiver_user": "UE1",
                    "receiver_side": "vendor" if n % 2 else "client",
                    "text": "thanks",
                    "given_at": START + timedelta(hours=rng.randint(0, 730 * 24)),
                }
                for n in range(500)
            ],
        )
        session.execute(
            insert(Action),
            [
                {
                    "partnership_id": pid,
                    "number": n + 1,
                    "title": f"Action {n}",
                    "owner_team": "T_HOME",
                    "owner_user": "UH0",
                    "due_date": (START + timedelta(days=7 * n)).date(),
                    "status": "done" if n % 4 else "open",
                    "source": "feedback",
                    "created_by": "UH0",
                    "created_at": START + timedelta(days=7 * n - 14),
                    "done_at": START + timedelta(days=7 * n) if n % 4 else None,
                }
                for n in range(100)
            ],
        )
        session.execute(
            insert(Milestone),
            [
                {
                    "partnership_id": pid,
                    "number": n + 1,
                    "name": f"Milestone {n}",
                    "due_date": (START + timedelta(days=18 * n)).date(),
                    "planned_date": (START + timedelta(days=18 * n)).date(),
                    "status": "done" if n < 38 else "open",
                    "created_by": "UH0",
                    "created_at": START,
                    "done_at": START + timedelta(days=18 * n + n % 3) if n < 38 else None,
                }
                for n in range(40)
            ],
        )
        seed_areas(session, pid, rng)
    return pid


RANKINGS = (["quality", "speed", "cost", "innovation"], ["cost", "quality", "speed", "innovation"])


def seed_areas(session, pid: int, rng: random.Random) -> None:
    """What feeds governance from the other areas: 10 weekly KPIs with two years of actuals (each side reports
    half; the last week is missing), 60 decisions (the last few still in play), 8 quarterly incentive reviews
    with 6 answers each, the latest open."""
    # What is open now, so the App Home has something of each kind to check: two check-ins and a feedback cycle.
    rhythm_id = session.scalar(select(Rhythm.id).where(Rhythm.partnership_id == pid))
    expected = [{"team": "T_HOME", "user": f"UH{n}"} for n in range(10)]
    for hours in (2, 30):
        session.add(Checkin(rhythm_id=rhythm_id, partnership_id=pid, scheduled_for=NOW - timedelta(hours=hours),
                            closes_at=NOW + timedelta(hours=24 - hours), status="sent", sent_at=NOW, expected=expected,
                            away=[]))  # fmt: skip
    session.add(FeedbackCycle(partnership_id=pid, number=51, opens_at=NOW - timedelta(days=2),
                              closes_at=NOW + timedelta(days=12), anonymous=False, status="open"))  # fmt: skip
    last_week = periods.last_closed_start("weekly", NOW.date())
    for n in range(1, 11):
        kpi = Kpi(
            partnership_id=pid,
            number=n,
            name=f"KPI {n}",
            unit="%",
            target=90.0,
            higher_is_better=n % 2 == 0,
            amber_percent=5.0,
            reporting_side="vendor" if n % 2 else "client",
            period="weekly",
            created_by="UH0",
            created_at=START,
        )
        session.add(kpi)
        session.flush()
        session.execute(
            insert(KpiActual),
            [
                {
                    "kpi_id": kpi.id,
                    "period_start": last_week - timedelta(weeks=week),
                    "value": rng.uniform(70, 100),
                    "comment": "",
                    "reported_by_team": "T_HOME",
                    "reported_by_user": "UH0",
                    "reported_at": NOW - timedelta(weeks=week),
                }
                for week in range(1, 104)
            ],
        )
    states = ["decided", "agreed", "declined", "expired", "withdrawn"]
    session.execute(
        insert(Decision),
        [
            {
                "partnership_id": pid,
                "number": n + 1,
                "what": f"Decision {n}",
                "why": "because",
                "scope": "within" if n % 3 else "agreement",
                "side": "client" if n % 2 else "vendor",
                "author_team": "T_HOME" if n % 2 else "T_EXT",
                "author_user": "UH0" if n % 2 else "UE0",
                "window_days": 2,
                "state": states[n % 5] if n < 55 else ("open", "awaiting", "objected")[n % 3],
                "shared_at": START + timedelta(days=12 * n),
                "window_opened_at": START + timedelta(days=12 * n),
                "closes_at": START + timedelta(days=12 * n + 3),
                "settled_at": START + timedelta(days=12 * n + 3) if n < 55 else None,
                "message_ts": f"{n}.1",
            }
            for n in range(60)
        ],
    )
    for n in range(8):
        opened = NOW - timedelta(weeks=13 * (7 - n) + 1)
        review = IncentiveReview(
            partnership_id=pid,
            key=f"bench-{n}",
            opened_at=opened,
            closes_at=opened + timedelta(days=14),
            closed_at=opened + timedelta(days=7) if n < 7 else None,
            paid_for="Per resolved ticket",
            client_priorities=RANKINGS[0],
            vendor_priorities=RANKINGS[1],
        )
        session.add(review)
        session.flush()
        session.execute(
            insert(IncentiveAnswer),
            [
                {
                    "review_id": review.id,
                    "team_id": "T_HOME" if a % 2 else "T_EXT",
                    "user_id": f"U{'H' if a % 2 else 'E'}{a + 1}",
                    "side": "client" if a % 2 else "vendor",
                    "still_wanted": ("yes", "partly", "no")[a % 3],
                    "why": "why",
                    "ranking": RANKINGS[a % 2],
                    "unwanted_behaviour": "",
                    "answered_at": opened + timedelta(days=1),
                }
                for a in range(6)
            ],
        )


def measure(action, runs: int) -> list[float]:
    action()  # warm caches and the connection pool
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        found.append((time.perf_counter() - started) * 1000)
    return found


def statements(db: Database, action) -> int:
    """How many SQL statements one run of `action` sends (the unit of work's BEGIN included)."""
    sent = 0

    def count(*_):
        nonlocal sent
        sent += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return sent


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    db = Database(url)
    db.upgrade()
    print(f"database: {db.engine.dialect.name}; seeding two years of history…", flush=True)
    pid = seed(db)

    def baseline():
        with db.session() as session:
            session.execute(text("SELECT 1"))

    def health():
        with db.session() as session:
            governance.reading(session, session.get(Partnership, pid), NOW)

    def home():
        with db.session() as session:
            home_view(homes.home(session, "UH0", NOW, b"bench-answer-key"), NOW)

    def preread():
        with db.session() as session:
            p = session.get(Partnership, pid)
            prereads.pre_read(session, p, NOW - timedelta(days=91), NOW)

    measured = [
        ("baseline SELECT 1", baseline),
        ("health score + 30-day change", health),
        ("App Home view (lead)", home),
        ("pre-read figures (quarter)", preread),
    ]
    sent = {name: statements(db, fn) for name, fn in measured}
    results = {name: measure(fn, args.runs) for name, fn in measured}
    with db.session() as session:
        pre = prereads.pre_read(session, session.get(Partnership, pid), NOW - timedelta(days=91), NOW)
    for chart in charts.ALL:
        results[f"chart {chart.__name__}"] = measure(lambda chart=chart: chart(pre), max(5, args.runs // 5))
    base = statistics.median(results["baseline SELECT 1"])
    print(f"{'what':40} {'median ms':>10} {'p95 ms':>8} {'× baseline':>11} {'statements':>11}")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"{name:40} {median:10.2f} {p95(values):8.2f} {median / base:11.1f} {sent.get(name, ''):>11}")
    db.engine.dispose()


if __name__ == "__main__":
    main()
