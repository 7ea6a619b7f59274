"""Exactly once when Slack's answer is lost: Slack stored the post, then answered 500, hung, or our database
failed before recording it. The retry finds the post by the send key in its metadata and records that one."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.models import ScheduledSend
from schedules.dispatcher import LEASE
from tests.harness.flows import add_rhythm, checkins, reply, set_feedback_cycle, set_up_partnership
from tests.harness.waiting import eventually

UTC = timezone.utc
MONDAY_9 = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def weekly(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    set_feedback_cycle(slack, fake, app, "0")
    add_rhythm(slack, fake, app)
    clock.set(MONDAY_9)


def checkin_messages(fake, channel="C_PARTNER") -> list[dict]:
    """The check-ins Slack holds in the channel (whatever the bot was told in answer)."""
    return [
        m
        for m in fake.history(channel)
        if "thread_ts" not in m
        and (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("checkin")
    ]


def send(app, kind: str) -> ScheduledSend:
    with app.runtime.db.session() as session:
        return session.scalars(select(ScheduledSend).where(ScheduledSend.kind == kind)).one()


def test_every_owed_post_carries_its_send_key_in_metadata(weekly, fake, app):
    app.scheduler.tick()
    [message] = checkin_messages(fake)
    assert message["metadata"] == {"event_type": "partnerbot_send", "event_payload": {"key": send(app, "checkin").key}}


def test_a_500_after_slack_stored_the_check_in_records_the_stored_one(weekly, fake, app):
    fake.fail_after_storing("chat.postMessage", 500)
    app.scheduler.tick()
    [message] = checkin_messages(fake)
    [checkin] = checkins(app)
    assert checkin.status == "sent" and checkin.message_ts == message["ts"]
    assert send(app, "checkin").status == "sent"
    assert len(fake.calls_to("conversations.history")) == 1
    assert fake.calls_to("conversations.history")[0].args["include_all_metadata"] in (True, "true", "1")


def test_a_hang_after_slack_stored_the_check_in_records_the_stored_one(weekly, fake, app):
    app.runtime.gateway.timeout = 1
    fake.hang_after_storing("chat.postMessage", seconds=3)
    app.scheduler.tick()
    [message] = checkin_messages(fake)
    [checkin] = checkins(app)
    assert checkin.status == "sent" and checkin.message_ts == message["ts"]


def test_a_dm_whose_answer_was_lost_is_found_in_the_dm_history(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    set_feedback_cycle(slack, fake, app, "0")
    add_rhythm(slack, fake, app)
    clock.set(MONDAY_9)
    app.scheduler.tick()
    clock.set(datetime(2026, 11, 24, 5, tzinfo=UTC))  # the nudge point: nobody answered
    fake.fail_after_storing("chat.postMessage", 502, times=4)  # 3 DMs and a thread nudge: stored, then 502
    app.scheduler.tick()
    for user in ("ULEAD", "UHOME2", "UHOME3"):
        [dm] = fake.history("D" + user)
        assert dm["metadata"]["event_payload"]["key"].startswith("nudge_dm:")
    with app.runtime.db.session() as session:
        statuses = list(session.scalars(select(ScheduledSend.status).where(ScheduledSend.kind == "nudge_dm")))
    assert statuses == ["sent"] * 3


def test_the_database_failing_just_after_slack_took_the_check_in_never_posts_it_twice(weekly, clock, slack, fake, app):
    engine = app.runtime.db.engine
    down = {"now": False}

    def database_down(*_args, **_kwargs):
        # down for the worker that posted (the ticker's own queries then find the send leased)
        if down["now"] and threading.current_thread().name.startswith("send"):
            raise OperationalError("UPDATE", {}, Exception("server closed the connection unexpectedly"))

    def after_the_post(call, status, _body, _seconds):
        if call.method == "chat.postMessage" and status == 200:
            down["now"] = True  # PostgreSQL stops just after Slack accepted the check-in

    event.listen(engine, "before_cursor_execute", database_down)
    fake.observers.append(after_the_post)
    try:
        app.scheduler.tick()
        assert len(checkin_messages(fake)) == 1
    finally:
        fake.observers.remove(after_the_post)
        down["now"] = False
    [checkin] = checkins(app)
    assert checkin.status == "due" and checkin.message_ts is None  # the UPDATE that records it failed
    assert send(app, "checkin").lease_token is not None  # still leased to the attempt that posted

    clock.advance(seconds=LEASE.total_seconds() + 60)  # the lease runs out; the next tick retries
    app.scheduler.tick()
    [message] = checkin_messages(fake)
    [checkin] = checkins(app)
    assert checkin.status == "sent" and checkin.message_ts == message["ts"]
    assert send(app, "checkin").status == "sent"

    # replies under the one message count
    reply(slack, "done", thread_ts=message["ts"], ts="1800000001.000001", user="ULEAD", team="T_HOME")
    eventually(lambda: len(checkins(app)[0].answers) == 1, what="the reply recorded")


def test_a_rate_limited_send_is_put_back_for_retry_after_and_the_rest_go_out(clock, slack, fake, app):
    clock.set(datetime(2026, 11, 20, 12, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    fake.channel_members["C_OTHER"] = fake.channel_members["C_PARTNER"]  # only people in a channel take part
    set_up_partnership(slack, fake, app, channel="C_OTHER")
    set_feedback_cycle(slack, fake, app, "0")
    set_feedback_cycle(slack, fake, app, "0", channel="C_OTHER")
    add_rhythm(slack, fake, app)
    add_rhythm(slack, fake, app, channel="C_OTHER")
    clock.set(MONDAY_9)
    fake.fail("chat.postMessage", 429, retry_after=30)
    app.scheduler.tick()
    assert len(checkin_messages(fake)) + len(checkin_messages(fake, "C_OTHER")) == 1  # the other went on
    with app.runtime.db.session() as session:
        waiting = session.scalars(
            select(ScheduledSend).where(ScheduledSend.kind == "checkin", ScheduledSend.status == "pending")
        ).one()
    assert waiting.due_at == MONDAY_9 + timedelta(seconds=30) and waiting.attempts == 0  # not a failure
    assert waiting.unsure is False  # a 429 means Slack took nothing: no need to look first
    clock.advance(seconds=30)
    app.scheduler.tick()
    assert len(checkin_messages(fake)) == len(checkin_messages(fake, "C_OTHER")) == 1
    assert fake.calls_to("conversations.history") == []
