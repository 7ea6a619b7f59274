"""`GET /metrics` after real traffic: requests by kind and outcome, ack latencies, Web API calls by method and
error (429s included), scheduled sends by kind and outcome, the pending sends and the age of the oldest due one,
planner failures; and each replica serves its own counts."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.models import ScheduledSend
from tests.harness.app_server import SIGNING_SECRET, AppServer
from tests.harness.flows import add_rhythm, checkins, count, set_feedback_cycle, set_up_partnership
from tests.harness.slack_driver import SlackDriver
from tests.harness.waiting import eventually

UTC = timezone.utc
MONDAY_9 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def scrape(app) -> dict[tuple[str, frozenset], float]:
    with urllib.request.urlopen(app.url + "/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict, name: str, **labels) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def moved(before: dict, after: dict, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def pending_in_database(app) -> int:
    return count(app, ScheduledSend, ScheduledSend.status == "pending")


def test_requests_by_kind_and_outcome_and_their_ack_latencies(slack, fake, app):
    set_up_partnership(slack, fake, app)
    before = scrape(app)

    assert slack.command("help").status == 200
    assert slack.command("status").status == 200
    assert slack.command("help", signature="v0=forged").status == 401
    assert slack.click("card_kudos", value="C_PARTNER").status == 200
    fake.wait_for("views.open")
    submitted = slack.submit(
        "kudos_give",
        {
            "receiver": {"type": "users_select", "selected_user": "UEXT1"},
            "text": {"type": "plain_text_input", "value": "for the cover"},
        },
        private_metadata=json.dumps({"channel_id": "C_PARTNER"}),
    )
    assert submitted.status == 200
    event = {"type": "message", "channel": "C_PARTNER", "user": "UHOME2", "text": "hi", "ts": "1800000000.000100"}
    assert slack.event(event).status == 200

    after = scrape(app)
    assert moved(before, after, "partnerbot_requests_total", kind="command", outcome="ok") == 2
    assert moved(before, after, "partnerbot_requests_total", kind="command", outcome="rejected") == 1
    assert moved(before, after, "partnerbot_requests_total", kind="action", outcome="ok") == 1
    assert moved(before, after, "partnerbot_requests_total", kind="view", outcome="ok") == 1
    assert moved(before, after, "partnerbot_requests_total", kind="event", outcome="ok") == 1
    assert moved(before, after, "partnerbot_ack_seconds_count", kind="command") == 3
    # Every ack fell within Slack's 3 seconds.
    assert moved(before, after, "partnerbot_ack_seconds_bucket", kind="command", le="3.0") == 3


def test_web_api_calls_by_method_and_error_count_every_429(slack, fake, app):
    set_up_partnership(slack, fake, app)
    before = scrape(app)
    fake.fail("chat.postMessage", 429, retry_after=1)  # the kudos post is refused once, then retried
    slack.command("kudos <@UEXT1> for the cover")
    eventually(lambda: len(fake.calls_to("chat.postMessage")) == 1, what="the kudos posted after its 429")
    fake.error("views.open", "expired_trigger_id")
    slack.click("card_kudos", value="C_PARTNER")
    told = ("partnerbot_slack_api_calls_total", frozenset({"method": "response_url", "error": "ok"}.items()))
    after = eventually(lambda: (s := scrape(app)).get(told) and s, what="the person told the form did not open")
    post = dict(method="chat.postMessage")
    assert moved(before, after, "partnerbot_slack_api_calls_total", error="ratelimited", **post) == 1
    assert moved(before, after, "partnerbot_slack_api_calls_total", error="ok", **post) == 1
    assert moved(before, after, "partnerbot_slack_api_calls_total", method="users.info", error="ok") == 1
    assert (
        moved(before, after, "partnerbot_slack_api_calls_total", method="views.open", error="expired_trigger_id") == 1
    )
    assert moved(before, after, "partnerbot_slack_api_calls_total", method="response_url", error="ok") == 1
    assert len(fake.calls_to("response_url")) == 1


def test_scheduled_sends_pending_backlog_and_planner_failures(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    set_feedback_cycle(slack, fake, app, "0")
    add_rhythm(slack, fake, app)
    before = scrape(app)

    clock.set(MONDAY_9)
    fake.error("chat.postMessage", "fatal_error")  # the check-in's first attempt fails: it waits for a retry
    app.scheduler.tick()
    waiting = scrape(app)
    assert moved(before, waiting, "partnerbot_scheduled_sends_total", kind="checkin", outcome="retry") == 1
    # the check-in put back, and what it owes later (nudges, the summary): read from the database at scrape
    assert value(waiting, "partnerbot_pending_sends") == pending_in_database(app) >= 1
    assert value(waiting, "partnerbot_oldest_due_send_age_seconds") == 0  # put back for later: none due yet

    clock.advance(minutes=5)  # the retry came due 30 s after the failure: 4.5 min ago, and nothing ticked
    late = scrape(app)
    assert value(late, "partnerbot_oldest_due_send_age_seconds") == pytest.approx(270)

    def plan_broken(rt, now):
        raise RuntimeError("a planner bug")

    app.scheduler.planners.append(plan_broken)
    app.scheduler.tick()
    after = scrape(app)
    assert [c.status for c in checkins(app)] == ["sent"]
    assert moved(before, after, "partnerbot_scheduled_sends_total", kind="checkin", outcome="sent") == 1
    assert value(after, "partnerbot_pending_sends") == pending_in_database(app)
    assert value(after, "partnerbot_oldest_due_send_age_seconds") == 0
    assert moved(before, after, "partnerbot_planner_failures_total", planner="plan_broken") == 1


def test_each_replica_serves_its_own_counts(db_url, slack, fake, app, clock):
    other = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    try:
        set_up_partnership(slack, fake, app)
        SlackDriver(other.url, SIGNING_SECRET, fake).command("help")
        mine, theirs = scrape(app), scrape(other)
        assert value(theirs, "partnerbot_requests_total", kind="command", outcome="ok") == 1
        assert value(mine, "partnerbot_requests_total", kind="command", outcome="ok") == 1  # setup
        assert value(mine, "partnerbot_requests_total", kind="view", outcome="ok") == 1
        assert value(theirs, "partnerbot_requests_total", kind="view", outcome="ok") == 0
        assert value(mine, "partnerbot_pending_sends") == value(theirs, "partnerbot_pending_sends")  # one database
    finally:
        other.stop()
