"""What an operator scrapes from `GET /metrics` (Prometheus text format, the official prometheus_client).

Each runtime has its own registry: a replica serves its own counts, and several apps in one process (tests,
the benchmarks' replicas) never mix theirs. Pending sends and the age of the oldest due one are read from the
database at scrape time (one aggregate over the pending sends' index), so every replica reports the same
backlog however many there are."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

log = logging.getLogger(__name__)

__all__ = ["Metrics", "CONTENT_TYPE_LATEST", "request_kind", "request_outcome"]

# Slack wants an ack within 3 s; the buckets are finest where a person notices (a few hundred ms).
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "partnerbot_requests",
            "Requests from Slack, by kind (command, action, view, event, options, other) and outcome "
            "(ok, rejected: bad signature, unanswered: no ack in time, bad_request, error)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "partnerbot_ack_seconds",
            "Seconds from a Slack request's arrival to its answer (the ack), by kind",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.api_calls = Counter(
            "partnerbot_slack_api_calls",
            "Web API calls, each attempt, by method and error (ok when none; ratelimited for 429, http_5xx, "
            "connection_error)",
            ["method", "error"],
            registry=self.registry,
        )
        self.sends = Counter(
            "partnerbot_scheduled_sends",
            "Scheduled sends performed, by kind and outcome (sent, dropped, ratelimited, retry, failed)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.planner_failures = Counter(
            "partnerbot_planner_failures", "Planner runs that raised, by planner", ["planner"], registry=self.registry
        )

    def watch_sends(self, session_scope: Callable, now: Callable[[], datetime]) -> None:
        """Report the pending sends, read at each scrape through `session_scope` (a read-only unit of work)."""
        self.registry.register(PendingSends(session_scope, now))

    def request_done(self, body: dict | None, status: int, seconds: float) -> None:
        kind = request_kind(body)
        self.requests.labels(kind, request_outcome(status)).inc()
        self.ack_seconds.labels(kind).observe(seconds)

    def api_call(self, method: str, error: str) -> None:
        self.api_calls.labels(method, error).inc()

    def send_done(self, kind: str, outcome: str) -> None:
        self.sends.labels(kind, outcome).inc()

    def planner_failed(self, planner: str) -> None:
        self.planner_failures.labels(planner).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def request_kind(body: dict | None) -> str:
    body = body or {}
    kind = body.get("type")
    if body.get("command"):
        return "command"
    if kind == "event_callback":
        return "event"
    if kind in ("block_actions", "interactive_message", "shortcut", "message_action"):
        return "action"
    if kind in ("view_submission", "view_closed"):
        return "view"
    if kind in ("block_suggestion", "dialog_suggestion"):
        return "options"
    return "other"


def request_outcome(status: int) -> str:
    if 200 <= status < 300:
        return "ok"
    if status in (401, 403):
        return "rejected"
    if status == 404:  # Bolt's answer when no listener acknowledged in time
        return "unanswered"
    return "bad_request" if status < 500 else "error"


class PendingSends(Collector):
    def __init__(self, session_scope: Callable, now: Callable[[], datetime]):
        self._session_scope, self._now = session_scope, now

    def describe(self) -> list[Metric]:
        return []  # collected at scrape only: nothing to check when registering

    def collect(self) -> Iterator[Metric]:
        from bot.claims import ScheduledSend  # the core's models, imported when first scraped

        try:
            with self._session_scope() as session:
                pending, oldest = session.execute(
                    select(func.count(), func.min(ScheduledSend.due_at)).where(ScheduledSend.status == "pending")
                ).one()
        except Exception as exc:  # a scrape during a database outage still reports the counters
            log.warning("pending sends not read for /metrics: %s", type(exc).__name__)
            return
        age = max(0.0, (self._now() - oldest).total_seconds()) if oldest is not None else 0.0
        yield GaugeMetricFamily("partnerbot_pending_sends", "Scheduled sends owed and not yet sent", value=pending)
        yield GaugeMetricFamily(
            "partnerbot_oldest_due_send_age_seconds",
            "How long the oldest pending send has been due (0 when none is due yet)",
            value=age,
        )
