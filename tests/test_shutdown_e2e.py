"""Graceful shutdown: a real `partnerbot run` (HTTP mode) holding sends Slack is slow to answer gets SIGTERM;
it exits cleanly, finishes or gives back every send it holds, and a second replica sends the rest at once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.claims import owe_post
from bot.clock import SystemClock
from bot.db import Database
from bot.models import ScheduledSend
from tests.harness.app_server import BOT_TOKEN, SIGNING_SECRET, AppServer, free_port
from tests.harness.clock import FakeClock
from tests.harness.waiting import eventually

SENDS = 10  # more than the dispatcher's 4 workers hold at once, so some are never claimed before the signal


def sends(db_url: str) -> dict[str, ScheduledSend]:
    db = Database(db_url)
    try:
        with db.session() as session:
            return {send.key: send for send in session.scalars(select(ScheduledSend))}
    finally:
        db.engine.dispose()


def posts_tried(fake) -> list:
    """Posts Slack has received, answered or not."""
    return [call for call in list(fake.attempts) if call.method == "chat.postMessage"]


def owe_posts(db_url: str) -> None:
    db = Database(db_url)
    with db.session() as session:
        for number in range(SENDS):
            owe_post(
                session,
                key=f"shutdown:{number}",
                due_at=datetime.now(timezone.utc) - timedelta(seconds=1),
                channel=f"C_SHUT{number}",  # a channel each: Slack's pace of one post a second per channel aside
                text=f"post {number}",
            )
    db.engine.dispose()


def test_sigterm_finishes_or_gives_back_every_send_and_another_replica_takes_them_at_once(db_url, fake, tmp_path):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
    }
    replica = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def healthy():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return json.loads(response.read())["status"] == "ok"
        except OSError:
            assert replica.poll() is None, replica.communicate()[0]
            return False

    try:
        eventually(healthy, timeout=60, what="partnerbot run serving")
        # The first two posts Slack answers after 3 s (within the grace: finished); the next two it takes but does
        # not answer for a minute (given back). All four are under way when the signal comes.
        fake.delay("chat.postMessage", 3, times=2)
        fake.hang_after_storing("chat.postMessage", 60, times=2)
        owe_posts(db_url)  # the next tick (10 s) claims them
        eventually(lambda: len(posts_tried(fake)) == 4, timeout=60, what="four posts under way")
        signalled = time.monotonic()
        replica.send_signal(signal.SIGTERM)
        output, _ = replica.communicate(timeout=60)  # a hang guard only; the time taken is reported, not asserted
        took = time.monotonic() - signalled
    finally:
        if replica.poll() is None:
            replica.kill()
            replica.communicate()
    assert replica.returncode == 0, output
    assert len(posts_tried(fake)) == 4, output  # nothing new was claimed after the signal

    held = sends(db_url)
    assert len([send for send in held.values() if send.status == "sent"]) == 2, output  # the two answered in time
    pending = [send for send in held.values() if send.status == "pending"]
    assert len(pending) == SENDS - 2
    assert all(send.lease_token is None and send.lease_until is None for send in pending), output  # none kept leased
    assert sum(send.unsure for send in pending) == 2  # the two Slack may have posted are looked for first

    second = AppServer(database_url=db_url, api_url=fake.api_url, clock=SystemClock()).start()
    try:
        second.scheduler.tick()  # at once: no lease to wait out
    finally:
        second.stop()
    assert all(send.status == "sent" for send in sends(db_url).values())
    posted = sorted(message["text"] for number in range(SENDS) for message in fake.history(f"C_SHUT{number}"))
    assert posted == sorted(f"post {number}" for number in range(SENDS))  # each once: nothing twice, nothing lost
    print(f"\nSIGTERM to exit: {took:.2f} s")


def test_a_post_still_on_its_way_at_the_deadline_is_not_posted_again_by_the_replica_that_takes_it_over(
    db_url, fake, tmp_path
):
    """Slack takes the post only after the grace has ended: the send is given back while its post is on its way.
    The replica that takes it over finds nothing in the channel yet and must not post it; once that call would
    have timed out, it looks again and records the post that landed."""
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
    }
    replica = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )

    def healthy():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return json.loads(response.read())["status"] == "ok"
        except OSError:
            assert replica.poll() is None
            return False

    try:
        eventually(healthy, timeout=60, what="partnerbot run serving")
        fake.delay("chat.postMessage", 9)  # Slack takes it 9 s after it was sent; the grace ends after 5
        db = Database(db_url)
        with db.session() as session:
            owe_post(session, key="landing", due_at=datetime.now(timezone.utc), channel="C_LAND", text="once")
        db.engine.dispose()
        eventually(lambda: len(posts_tried(fake)) == 1, timeout=60, what="the post on its way")
        replica.send_signal(signal.SIGTERM)
        output, _ = replica.communicate(timeout=60)  # a hang guard only
    finally:
        if replica.poll() is None:
            replica.kill()
            replica.communicate()
    assert replica.returncode == 0, output
    [given] = sends(db_url).values()
    assert given.status == "pending" and given.unsure and given.lease_token is None, output  # given back, unsure

    clock = FakeClock(datetime.now(timezone.utc))
    second = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    try:
        second.scheduler.tick()  # takes it over at once: nothing found yet (or the post, if it landed meanwhile)
        assert len(posts_tried(fake)) == 1  # either way, no second post
        eventually(lambda: len(fake.history("C_LAND")) == 1, timeout=30, what="the first replica's post landing")
        clock.advance(seconds=second.runtime.gateway.timeout + 1)  # past when the first replica's call timed out
        second.scheduler.tick()
    finally:
        second.stop()
    [message] = fake.history("C_LAND")
    assert len(posts_tried(fake)) == 1
    [sent] = sends(db_url).values()
    assert sent.status == "sent"


def test_a_scheduler_stopped_before_it_started_never_ticks(app):
    """`partnerbot run` starts the scheduler on a thread of its own once requests are taken: a SIGTERM that came
    first has stopped it, and the start that follows must not set it ticking."""
    from schedules import build_scheduler

    scheduler = build_scheduler(app.runtime, interval_seconds=0.01)
    ticks = []
    scheduler.tick = lambda: ticks.append(1)  # type: ignore[method-assign]
    scheduler.stop()
    scheduler.start()
    time.sleep(0.2)
    scheduler.shutdown(0)
    assert ticks == []

    started = build_scheduler(app.runtime, interval_seconds=0.01)  # and one not stopped first does tick
    started.tick = lambda: ticks.append(1)  # type: ignore[method-assign]
    started.start()
    try:
        eventually(lambda: ticks)
    finally:
        started.shutdown(0)
