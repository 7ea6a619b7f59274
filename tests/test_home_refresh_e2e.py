"""The Home tab is republished when what waits on someone changes: a check-in's window closing, and an action
falling overdue at local midnight, when no row changes at all (the Home's own recheck moment), for its owner only."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from bot.actions.service import create_action
from bot.models import Checkin, Member, Partnership
from tests.harness.flows import add_rhythm
from tests.harness.slack_driver import texts
from tests.harness.waiting import eventually

UTC = timezone.utc
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # London is on UTC in November


def open_home(app, slack, fake, user: str) -> None:
    before = len(published(fake, user))
    assert slack.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home",
                        "event_ts": "1700000000.000001"}).status == 200  # fmt: skip
    eventually(lambda: len(published(fake, user)) > before, what="home published")
    eventually(lambda: not app.scheduler.busy, what="its publication recorded")


def published(fake, user: str) -> list[str]:
    return ["\n".join(texts(c.args["view"]["blocks"])) for c in fake.calls_to("views.publish")
            if c.args["user_id"] == user]  # fmt: skip


def test_a_home_is_republished_when_a_check_in_window_closes(clock, slack, fake, app, partnership):
    clock.set(MONDAY)
    add_rhythm(slack, fake, app)
    slack.command("rhythm run 1")
    fake.wait_for("chat.postMessage")
    open_home(app, slack, fake, "ULEAD")
    assert "Check-in *Weekly update*" in published(fake, "ULEAD")[-1]
    with app.runtime.db.session() as session:
        closes_at = session.scalar(select(Checkin.closes_at))

    clock.set(closes_at - timedelta(minutes=1))
    app.scheduler.tick()
    assert len(published(fake, "ULEAD")) == 1  # still open: nothing to republish

    clock.set(closes_at)
    app.scheduler.tick()
    assert len(published(fake, "ULEAD")) == 2
    assert "Check-in *Weekly update*" not in published(fake, "ULEAD")[-1]


def test_an_action_falling_overdue_at_midnight_republishes_only_its_owners_home(clock, slack, fake, app, partnership):
    clock.set(MONDAY)
    with app.runtime.db.session() as session:  # as an appraisal's decision or a KPI's miss would owe it
        partnership_id = session.scalar(select(Partnership.id))
        owner = session.scalar(select(Member).where(Member.user_id == "UHOME2"))  # no lead: no KPI asks to await
        create_action(session, session.get(Partnership, partnership_id), title="Send the forecast",
                      due_date=date(2026, 11, 24), source="appraisal", created_by="ULEAD", now=MONDAY,
                      owner=owner)  # fmt: skip
    open_home(app, slack, fake, "ULEAD")
    open_home(app, slack, fake, "UHOME2")
    assert "Send the forecast" in published(fake, "UHOME2")[-1]

    clock.set(datetime(2026, 11, 24, 23, 59, tzinfo=UTC))
    app.scheduler.tick()
    assert len(published(fake, "UHOME2")) == 1

    clock.set(datetime(2026, 11, 25, 0, 0, tzinfo=UTC))  # the day after it was due, in London
    app.scheduler.tick()
    assert len(published(fake, "UHOME2")) == 2 and len(published(fake, "ULEAD")) == 1
