"""The fan-out: 1,000 check-ins (100 channels x 10 rhythms) and 200 DMs owed at once, sent to a fake Slack that
enforces about one post a second per channel (burst 3), a workspace limit on chat.postMessage (a burst of 20,
then 10 a second), Tier 4 on conversations.members, and refuses 10% of posts at random with 429.

The rate-limit floor is what those limits alone allow: (posts - burst) / rate, or the busiest channel's
(posts - burst) / 1 s, whichever is longer. Correctness is counted from what the fake holds: a duplicate is a
second message carrying the same send key; a lost send is an owed send with no message."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.claims import ScheduledSend, schedule_send
from bot.clock import SystemClock
from bot.partnerships import service as partnerships
from bot.rhythms.models import DEFAULT_QUESTIONS, Rhythm
from tests.harness.app_server import AppServer
from tests.harness.fake_slack import FakeSlack

WORKSPACE_BURST, WORKSPACE_RATE = 20, 10.0
CHANNEL_BURST, CHANNEL_RATE = 3, 1.0


@dataclass
class Workload:
    channels: int = 100
    rhythms_per_channel: int = 10
    dms: int = 200

    @property
    def posts(self) -> int:
        return self.channels * self.rhythms_per_channel + self.dms

    def floor(self) -> float:
        workspace = max(0, self.posts - WORKSPACE_BURST) / WORKSPACE_RATE
        busiest = max(0, self.rhythms_per_channel - CHANNEL_BURST) / CHANNEL_RATE
        return max(workspace, busiest)


@dataclass
class FanOut:
    seconds: float
    posts: int
    duplicates: int
    lost: int
    rate_limited: int
    members_calls: int
    trace: str = ""  # with --trace: where the time went (posts a second, 429s by cause, idle stretches)


logging.getLogger("apscheduler").setLevel(logging.ERROR)  # a tick outlasting the interval is expected here
logging.getLogger("schedules").setLevel(logging.ERROR)  # each 429 put back is logged; the table counts them


def limited_fake() -> FakeSlack:
    fake = FakeSlack(team_id="T_HOME")
    fake.add_user("UBOT", "T_HOME", is_bot=True)
    fake.limit_per_channel(CHANNEL_BURST, CHANNEL_RATE)
    fake.limit_method("chat.postMessage", WORKSPACE_BURST, WORKSPACE_RATE)
    fake.limit_method("conversations.members", 20, 100 / 60)  # Tier 4
    fake.random_429s("chat.postMessage", 0.10, retry_after=1)
    return fake


def seed(server: AppServer, fake: FakeSlack, workload: Workload, due: datetime) -> None:
    settings = partnerships.PartnershipSettings(
        name="Bench",
        client_org="Client",
        vendor_org="Vendor",
        home_side="client",
        timezone="UTC",
        business_days=[1, 2, 3, 4, 5, 6, 7],
    )
    created = due - timedelta(days=1)
    with server.runtime.db.session() as session:
        for n in range(workload.channels):
            channel = f"CFAN{n:04d}"
            people = [f"UFAN{n:04d}{k}" for k in range(3)]
            fake.channel_members[channel] = [*people, "UBOT"]
            partnership = partnerships.create_partnership(
                session, channel_id=channel, settings=settings, home_team_id="T_HOME", created_by=people[0], now=created
            )
            partnership.celebrations_planned = True  # this bench is about check-ins, not first-day celebrations
            for person in people:
                partnerships.ensure_member(session, partnership, team_id="T_HOME", user_id=person, now=created)
            for number in range(1, workload.rhythms_per_channel + 1):
                session.add(
                    Rhythm(
                        partnership_id=partnership.id,
                        number=number,
                        name=f"Rhythm {number}",
                        cadence="weekly",
                        weekdays=[due.isoweekday()],
                        local_time=due.time().replace(tzinfo=None),
                        audience="both",
                        people=[],
                        questions=list(DEFAULT_QUESTIONS),
                        window_minutes=24 * 60,
                        nudge_after_minutes=None,
                        next_run_at=due,
                        created_by=people[0],
                        created_at=created,
                    )
                )
        for n in range(workload.dms):
            schedule_send(
                session,
                key=f"bench_dm:{n}",
                kind="dm",
                due_at=due,
                payload={"user": f"UDM{n:04d}", "text": "A nudge: the check-in is waiting for your answer."},
            )


KINDS = ("checkin", "dm")  # what the workload owes now (each check-in also owes its summary, a day later)


def pending(server: AppServer) -> int:
    with server.runtime.db.session() as session:
        return session.scalar(
            select(func.count()).where(ScheduledSend.status == "pending", ScheduledSend.kind.in_(KINDS))
        )


def timeline(exchanges: list[tuple[float, str, int]], started: float, refusals: Counter) -> str:
    """Posts Slack took and refused in each second of the run, what refused them, and the seconds none went out."""
    seconds = Counter()
    refused = Counter()
    for at, method, status in exchanges:
        if method == "chat.postMessage":
            (seconds if status == 200 else refused)[int(at - started)] += 1
    last = max([*seconds, *refused], default=0)
    lines = [f"429s by cause: {dict(refusals)}"]
    lines.append("second: posts taken / refused")
    for chunk in range(0, last + 1, 10):
        cells = [f"{seconds[s]:2d}/{refused[s]:<2d}" for s in range(chunk, min(chunk + 10, last + 1))]
        lines.append(f"{chunk:4d}: " + " ".join(cells))
    idle = [s for s in range(last + 1) if seconds[s] == 0]
    lines.append(f"seconds with no post taken: {len(idle)} {idle[:40]}")
    return "\n".join(lines)


def run(database_url: str, workload: Workload, replicas: int = 1, trace: bool = False) -> FanOut:
    clock = SystemClock()
    exchanges: list[tuple[float, str, int]] = []
    with limited_fake() as fake:
        if trace:
            fake.observers.append(lambda call, status, body, took: exchanges.append((call.at, call.method, status)))
        servers = [
            AppServer(database_url=database_url, api_url=fake.api_url, clock=clock, pace_posts=True).start()
            for _ in range(replicas)
        ]
        try:
            due = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=5)
            seed(servers[0], fake, workload, due)
            owed = workload.posts
            while datetime.now(timezone.utc) < due:
                time.sleep(0.05)
            started = time.monotonic()
            for server in servers:
                server.scheduler.interval_seconds = 10  # as deployed
                server.scheduler.start()
            deadline = started + 20 * workload.floor() + 120
            while True:
                sent_or_waiting = pending(servers[0])
                posts = sum(len(fake.history(c)) for c in list(fake.messages))
                if sent_or_waiting == 0 and posts >= owed:
                    break
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            seconds = time.monotonic() - started
        finally:
            for server in servers:
                server.stop()
        keys = Counter(
            (m.get("metadata") or {}).get("event_payload", {}).get("key")
            for channel in list(fake.messages)
            for m in fake.history(channel)
        )
        with servers[0].runtime.db.session() as session:
            owed_keys = set(session.scalars(select(ScheduledSend.key).where(ScheduledSend.kind.in_(KINDS))))
        duplicates = sum(n - 1 for n in keys.values() if n > 1)
        lost = len([k for k in owed_keys if keys[k] == 0])
        return FanOut(
            seconds=seconds,
            posts=sum(keys.values()),
            duplicates=duplicates,
            lost=lost,
            rate_limited=fake.rate_limited,
            members_calls=len(fake.calls_to("conversations.members")),
            trace=timeline(exchanges, started, fake.refusals) if trace else "",
        )
