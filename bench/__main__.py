"""Every measure of issue 12 with its baselines taken in the same run, printed as one table.

    .venv/bin/python -m bench [--database-url postgresql+psycopg://...] [--quick]

SQLite runs in a new temporary file; with --database-url, the PostgreSQL database is emptied first (give one of
your own, never a shared one) and the fan-out also runs with two replicas; the idle tick also uses a database
beside it, named after it with `_few` (created when missing). --quick shrinks every workload for
development; the issue's figures come from the full workload."""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

import uvicorn
from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import event, make_url, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench import fan_out
from bot.clock import SystemClock
from bot.db import Database, make_engine
from bot.http import build_http_app
from bot.models import Partnership  # noqa: F401  and with it every table, known before seeding
from tests.harness.app_server import BOT_TOKEN, SIGNING_SECRET, AppServer, free_port
from tests.harness.fake_slack import FakeSlack
from tests.harness.flows import set_up_partnership
from tests.harness.history import add_history
from tests.harness.slack_driver import SlackDriver

ROOT = Path(__file__).resolve().parent.parent
rows: list[tuple[str, str, str, str]] = []  # (measure, value, baseline, ratio)


def row(measure: str, value: str, baseline: str = "", ratio: str = "") -> None:
    rows.append((measure, value, baseline, ratio))
    print(f"  {measure}: {value}  {baseline}  {ratio}", flush=True)


def empty(url: str) -> str:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def sqlite_url() -> str:
    return f"sqlite:///{tempfile.mkdtemp()}/bench.db"


def serve(asgi) -> tuple[str, uvicorn.Server]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", server


# The machine's speed drifts over seconds (a shared VM): the app and its baselines are measured in turns, a few
# requests each, so that every figure of a row sees the same moments and their ratio is not the drift's.
ROUNDS = 10


def p50s(drivers: dict[str, tuple[SlackDriver, str]], n: int) -> dict[str, float]:
    """The median round trip of each (driver, command), `n` requests each, taken in ROUNDS interleaved turns."""
    timings: dict[str, list[float]] = {name: [] for name in drivers}
    for slack, words in drivers.values():
        for _ in range(20):  # warm up connections and caches
            slack.command(words)
    for turn in range(ROUNDS):
        for name, (slack, words) in drivers.items():
            for _ in range(n // ROUNDS + (turn < n % ROUNDS)):
                response = slack.command(words)
                assert response.status == 200, response.body
                timings[name].append(response.seconds * 1000)
    return {name: statistics.median(found) for name, found in timings.items()}


def bare_bolt(fake: FakeSlack, db: Database, process_before_response: bool) -> tuple[str, uvicorn.Server]:
    app = App(
        client=WebClient(token=BOT_TOKEN, base_url=fake.api_url),
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=process_before_response,
    )
    app.command("/partner")(lambda ack: ack("help"))
    return serve(build_http_app(app, db))


def starlette_floor() -> tuple[str, uvicorn.Server]:
    async def slack_events(request):
        await request.body()
        return JSONResponse(await run_in_threadpool(lambda: {"text": "help"}))

    return serve(Starlette(routes=[Route("/slack/events", slack_events, methods=["POST"])]))


def acks(url: str, label: str, n: int) -> None:
    with FakeSlack(team_id="T_HOME") as fake:
        fake.add_user("ULEAD", "T_HOME")
        fake.channel_members["C_PARTNER"] = ["ULEAD", "UBOT"]
        app = AppServer(database_url=url, api_url=fake.api_url, clock=SystemClock()).start()
        servers = []
        try:
            slack = SlackDriver(app.url, SIGNING_SECRET, fake)
            add_history(app.runtime.db, set_up_partnership(slack, fake, app), SystemClock().now())  # two years
            statements = []

            def count(*_args, **_kwargs):
                statements.append(1)

            slack.command("status")  # a channel's first status reads its partnership before its lines
            event.listen(app.runtime.db.engine, "before_cursor_execute", count)
            slack.command("status")
            event.remove(app.runtime.db.engine, "before_cursor_execute", count)
            drivers = {"help": (slack, "help"), "status": (slack, "status")}
            for name, make in (
                ("bare Bolt", lambda: bare_bolt(fake, app.runtime.db, False)),
                ("bare Bolt, process_before_response", lambda: bare_bolt(fake, app.runtime.db, True)),
                ("Starlette + threadpool", starlette_floor),
            ):
                base_url, server = make()
                servers.append(server)
                drivers[name] = (SlackDriver(base_url, SIGNING_SECRET, fake), "help")
            measured = p50s(drivers, n)
            help_ms, status_ms = measured.pop("help"), measured.pop("status")
            baselines = measured
        finally:
            app.stop()
            for server in servers:
                server.should_exit = True
        floor = baselines["Starlette + threadpool"]
        row(
            f"/partner help ack p50 ({label})",
            f"{help_ms:.1f} ms",
            "; ".join(f"{k} {v:.1f} ms" for k, v in baselines.items()),
            f"{help_ms / floor:.2f}x the Starlette floor",
        )
        row(
            f"/partner status ack p50 ({label})",
            f"{status_ms:.1f} ms, {len(statements)} SQL statements",
            f"bare Bolt {baselines['bare Bolt']:.1f} ms",
            f"{status_ms / baselines['bare Bolt']:.2f}x",
        )


def beside(url: str, suffix: str) -> str:
    """An emptied database next to `url`'s: another file for SQLite, another database on the same PostgreSQL
    server (created when missing, which needs the CREATEDB privilege)."""
    if url.startswith("sqlite"):
        return sqlite_url()
    given = make_url(url)
    other = given.set(database=f"{given.database}_{suffix}")
    engine = make_engine(url)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        known = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": other.database})
        if not known:
            connection.execute(text(f'CREATE DATABASE "{other.database}"'))
    engine.dispose()
    return empty(other.render_as_string(hide_password=False))


def ticks(url: str, label: str, small: int, large: int) -> None:
    """The idle tick with `small` and with `large` partnerships, each in a database of its own, ticked in
    interleaved turns (so that the machine's drift does not land on one side of the ratio); and the catch-up
    after `large - small` partnerships appear at once."""
    from bench.scheduler_tick import START, seed, unplanned
    from tests.harness.clock import FakeClock

    def planned(app: AppServer) -> None:  # new partnerships are planned a batch a tick: the steady state after
        while unplanned(app.runtime.db):
            app.scheduler.tick()

    clock = FakeClock(START)
    with FakeSlack(team_id="T_HOME") as fake:
        few = AppServer(database_url=beside(url, "few"), api_url=fake.api_url, clock=clock).start()
        many = AppServer(database_url=url, api_url=fake.api_url, clock=clock).start()
        try:
            for app in (few, many):
                seed(app.runtime.db, small)
                planned(app)
            seed(many.runtime.db, large - small)
            first = timed(many.scheduler.tick)
            catching_up = [first]  # a tick plans one batch of the new partnerships: until none is left
            while unplanned(many.runtime.db):
                catching_up.append(timed(many.scheduler.tick))
            idle: dict[str, list[float]] = {"few": [], "many": []}
            for _ in range(ROUNDS):
                for name, app in (("few", few), ("many", many)):
                    idle[name] += [timed(app.scheduler.tick) for _ in range(5)]
        finally:
            few.stop()
            many.stop()
    idle_small, idle_large = statistics.median(idle["few"]), statistics.median(idle["many"])
    row(
        f"idle scheduler tick, {small} -> {large} partnerships ({label})",
        f"{idle_small:.1f} -> {idle_large:.1f} ms",
        "",
        f"{idle_large / idle_small:.2f}x",
    )
    row(
        f"first tick after {large - small} partnerships appear ({label})",
        f"{first / 1000:.2f} s; all planned in {len(catching_up)} ticks, {sum(catching_up) / 1000:.1f} s of ticking",
    )


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


PACKAGES = ("bot", "handlers", "schedules", "playground")

BARE_SERVER = """
import sys, uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
app = App(token="xoxb-x", signing_secret="s", token_verification_enabled=False)
async def healthz(_r):
    return JSONResponse({"status": "ok"})
routes = [Route("/healthz", healthz)]
uvicorn.run(Starlette(routes=routes), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def cold_start(command: list[str], env: dict, port: int) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except (OSError, urllib.error.URLError):
                time.sleep(0.005)
            if time.perf_counter() - started > 30:
                raise RuntimeError("no /healthz within 30 s")
    finally:
        process.terminate()
        process.wait()


def cold_starts(url: str, label: str, runs: int) -> None:
    Database(url).upgrade()  # a deployment starts against a migrated database
    for package in PACKAGES:  # from compiled modules, as `make setup` and `make run` leave them
        compileall.compile_dir(ROOT / package, quiet=1)
    with FakeSlack(team_id="T_HOME") as fake:
        ours, bare = [], []
        for _ in range(runs):
            port = free_port()
            env = {
                **os.environ,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.api_url,
                "DATABASE_URL": url,
                "PORT": str(port),
                "LOG_LEVEL": "WARNING",
            }
            ours.append(cold_start([sys.executable, "-m", "bot", "run"], env, port))
            port = free_port()
            bare.append(cold_start([sys.executable, "-c", BARE_SERVER, str(port)], env, port))
    mine, base = statistics.median(ours), statistics.median(bare)
    row(f"cold start to /healthz 200 ({label})", f"{mine:.2f} s", f"bare Bolt {base:.2f} s", f"{mine / base:.2f}x")


def fan_outs(url: str, label: str, workload: fan_out.Workload, replicas: int, trace: bool = False) -> None:
    result = fan_out.run(empty(url), workload, replicas, trace)
    if trace:
        print(result.trace, flush=True)
    floor = workload.floor()
    row(
        f"{workload.channels * workload.rhythms_per_channel} check-ins + {workload.dms} DMs, "
        f"{replicas} replica{'s' if replicas > 1 else ''} ({label})",
        f"{result.seconds:.0f} s, {result.duplicates} duplicates, {result.lost} lost "
        f"({result.rate_limited} x 429 for limits, {result.members_calls} conversations.members)",
        f"rate-limit floor {floor:.0f} s",
        f"{result.seconds / floor:.2f}x",
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database of your own (emptied)")
    parser.add_argument("--quick", action="store_true", help="smaller workloads, for development")
    parser.add_argument("--only", default="", help="comma-separated: fanout, acks, ticks, cold")
    parser.add_argument("--trace", action="store_true", help="print the fan-out's timeline: posts a second, 429s")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    workload = fan_out.Workload(20, 5, 40) if args.quick else fan_out.Workload()
    small, large = (100, 1000) if args.quick else (1000, 10_000)
    databases = [("SQLite", sqlite_url)]
    if args.database_url:
        databases.append(("PostgreSQL", lambda: args.database_url))
    print(f"partnerbot bench {date.today()} on {platform.node()}: {os.cpu_count()} cores, {platform.platform()}")
    for label, url in databases:
        if not only or "fanout" in only:
            fan_outs(url(), label, workload, 1, args.trace)
            if label == "PostgreSQL":
                fan_outs(url(), label, workload, 2, args.trace)
        if not only or "acks" in only:
            acks(empty(url()), label, 100 if args.quick else 300)
        if not only or "ticks" in only:
            ticks(empty(url()), label, small, large)
        if not only or "cold" in only:
            cold_starts(empty(url()), label, 3 if args.quick else 7)
    print()
    print("| measure | value | baseline, same run | ratio |")
    print("|---|---|---|---|")
    for measure, value, baseline, ratio in rows:
        print(f"| {measure} | {value} | {baseline} | {ratio} |")


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    main()
