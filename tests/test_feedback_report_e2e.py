"""A cycle's report is posted with no write transaction open (Slack is never called inside one), and a report
whose post was not recorded (the database failed just after Slack took it) is found, not posted again."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.models import FeedbackCycle
from schedules.dispatcher import LEASE
from tests.harness.flows import give_feedback, set_up_partnership
from tests.harness.transactions import slack_calls_while_writing

UTC = timezone.utc
CYCLE_1 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # the Monday after setup, 10:00 London (UTC in winter)
CYCLE_2 = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)


def report_messages(fake, channel="C_PARTNER") -> list[dict]:
    """The reports Slack holds in the channel (whatever the bot was told in answer)."""
    return [m for m in fake.history(channel) if m.get("text", "").startswith("Feedback cycle 1 report")]


def first_cycle(app) -> FeedbackCycle:
    with app.runtime.db.session() as session:
        return session.scalars(select(FeedbackCycle).where(FeedbackCycle.number == 1)).one()


def cycle_one_answered(clock, slack, fake, app) -> None:
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    set_up_partnership(slack, fake, app)
    slack.command("role <@UEXT1> lead")
    clock.set(CYCLE_1)
    app.scheduler.tick()
    give_feedback(slack, fake, app, user="ULEAD", team="T_HOME", change="Send the weekly report on time")


def test_the_report_is_posted_with_no_write_transaction_open(clock, slack, fake, app):
    cycle_one_answered(clock, slack, fake, app)
    with slack_calls_while_writing(app) as calls:
        clock.set(CYCLE_2)
        app.scheduler.tick()
    assert ("chat.postMessage", "Feedback cycle 1 report", False) in calls, calls
    assert not [call for call in calls if call[2]], calls
    [message] = report_messages(fake)
    assert first_cycle(app).report_ts == message["ts"]


def test_a_report_slack_took_before_the_database_failed_is_found_not_posted_again(clock, slack, fake, app):
    cycle_one_answered(clock, slack, fake, app)
    down = {"now": False}

    def database_down(*_args, **_kwargs):
        if down["now"] and threading.current_thread().name.startswith("send"):
            raise OperationalError("UPDATE", {}, Exception("server closed the connection unexpectedly"))

    def after_the_report(call, status, _body, _seconds):
        if call.method == "chat.postMessage" and status == 200 and call.args["text"].startswith("Feedback cycle 1"):
            down["now"] = True  # the database stops just after Slack took the report

    engine = app.runtime.db.engine
    event.listen(engine, "before_cursor_execute", database_down)
    fake.observers.append(after_the_report)
    try:
        clock.set(CYCLE_2)
        app.scheduler.tick()
        assert len(report_messages(fake)) == 1
    finally:
        fake.observers.remove(after_the_report)
        event.remove(engine, "before_cursor_execute", database_down)
        down["now"] = False
    cycle = first_cycle(app)
    assert cycle.status == "closed" and cycle.report_ts is None  # closed, its report not recorded

    clock.advance(seconds=LEASE.total_seconds() + 60)  # the lease runs out; the next tick runs the report again
    app.scheduler.tick()
    [message] = report_messages(fake)
    assert first_cycle(app).report_ts == message["ts"]
