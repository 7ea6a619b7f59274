"""Sending at Slack's pace with replicas: the workspace's method tiers and each channel's pace are one budget in
the database, not one per process (PostgreSQL only: SQLite serves a single process); and a tick keeps sending
what a rate limit put back instead of leaving it to the next tick."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from bot.claims import ScheduledSend, owe_post
from bot.clock import SystemClock
from bot.db import make_engine
from bot.slack.shared_pacing import SharedPacer
from schedules.dispatcher import run_due_sends
from tests.harness.app_server import AppServer

CHANNELS, POSTS_PER_CHANNEL = 8, 6


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("SQLite serves one process: its pacing stays in that process")
    yield engine
    engine.dispose()


def test_two_replicas_share_one_channel_budget(engine):
    one, other = SharedPacer(engine, burst=3, interval=10.0), SharedPacer(engine, burst=3, interval=10.0)
    assert [one.try_take("C1"), other.try_take("C1"), one.try_take("C1")] == [0.0, 0.0, 0.0]
    refused = [other.try_take("C1"), one.try_take("C1"), other.try_take("C1")]
    # the burst is spent across both: each is refused and told a moment one interval after the one before
    assert 9.0 < refused[0] <= 10.0
    assert refused[1] - refused[0] == pytest.approx(10.0, abs=0.5)
    assert refused[2] - refused[1] == pytest.approx(10.0, abs=0.5)
    assert one.try_take("C2") == 0.0  # other channels are not held up
    other.give_back("C1")  # Slack refused a post that took a slot: the slot is free again, for either replica
    assert one.try_take("C1") == 0.0


def test_a_tier_reservation_in_one_replica_makes_the_other_wait(engine):
    slept: list[float] = []
    one = SharedPacer(engine, burst=2, interval=10.0, prefix="tier:", sleep=slept.append)
    other = SharedPacer(engine, burst=2, interval=10.0, prefix="tier:", sleep=slept.append)
    assert [one.wait("chat.postMessage"), other.wait("chat.postMessage")] == [0.0, 0.0]
    assert slept == []
    waited = [other.wait("chat.postMessage"), one.wait("chat.postMessage")]
    assert 9.0 < waited[0] <= 10.0 and waited[1] - waited[0] == pytest.approx(10.0, abs=0.5)
    assert slept == waited
    # a tier's bucket is not a channel's of the same name
    assert SharedPacer(engine, burst=2, interval=10.0).try_take("chat.postMessage") == 0.0


def owe_posts(server: AppServer, due: datetime) -> list[str]:
    keys = []
    with server.runtime.db.session() as session:
        for number in range(POSTS_PER_CHANNEL):  # channel by channel in turn, as rhythms are planned
            for channel in range(CHANNELS):
                key = f"shared:{channel}:{number}"
                owe_post(session, key=key, due_at=due, channel=f"CSHARED{channel}", text=f"post {number}")
                keys.append(key)
    return keys


def sent_by(server: AppServer) -> float:
    samples = server.runtime.metrics.registry
    return samples.get_sample_value("partnerbot_scheduled_sends_total", {"kind": "post", "outcome": "sent"}) or 0


def test_two_replicas_earn_no_more_429s_than_one_and_send_each_post_once(engine, db_url, fake):
    fake.limit_per_channel(3, 1.0)  # Slack: about a post a second per channel, after a short burst
    fake.limit_method("chat.postMessage", 20, 10.0)  # the workspace tier the gateway paces (TIERS)
    clock = SystemClock()
    replicas = [
        AppServer(database_url=db_url, api_url=fake.api_url, clock=clock, pace_posts=True).start() for _ in range(2)
    ]
    try:
        keys = owe_posts(replicas[0], clock.now())
        for replica in replicas:
            replica.scheduler.interval_seconds = 1
            replica.scheduler.start()
        deadline = time.monotonic() + 60
        while len(fake.calls_to("chat.postMessage")) < len(keys) and time.monotonic() < deadline:
            time.sleep(0.05)
        for replica in replicas:
            replica.scheduler.shutdown()
        sent = Counter(call.args["metadata"]["event_payload"]["key"] for call in fake.calls_to("chat.postMessage"))
        assert sent == Counter(keys)  # every post, each once
        with replicas[0].runtime.db.session() as session:
            assert {s.status for s in session.query(ScheduledSend)} == {"sent"}
        # Both replicas sent (the work is shared), and together they stayed within Slack's limits: pacing on
        # their own, each spends the whole workspace burst and each channel's burst, and they earn about 30 429s
        # here. One replica earns 0-2: a post that reaches Slack later than the pace allowed it (the machine is
        # busy) and the next on time arrive closer together than Slack counts.
        assert all(sent_by(replica) > 0 for replica in replicas)
        assert fake.rate_limited <= 6, fake.rate_limited
    finally:
        for replica in replicas:
            replica.stop()


def test_a_tick_keeps_sending_what_comes_due_within_its_linger_of_the_latest_send(db_url, fake):
    """A ticking scheduler lingers for sends put back by a rate limit; the linger runs from the latest send, so
    one that comes due soon after a slow send is sent in the same tick, not a whole interval later."""
    clock = SystemClock()
    server = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    try:
        fake.delay("chat.postMessage", 2.0)  # Slack is slow to take the first post
        with server.runtime.db.session() as session:
            owe_post(session, key="slow", due_at=clock.now(), channel="C_ONE", text="first")
            owe_post(session, key="soon", due_at=clock.now() + timedelta(seconds=4), channel="C_TWO", text="then")
        performed = run_due_sends(server.runtime, server.scheduler.performers, clock.now(), workers=2, linger=3.0)
        assert performed == 2
        assert [c.args["text"] for c in fake.calls_to("chat.postMessage")] == ["first", "then"]
    finally:
        server.stop()
