"""The dispatcher's own rules, against the app over a fake Slack."""

from __future__ import annotations

from bot.claims import owe_post
from bot.clock import SystemClock
from schedules import dispatcher
from schedules.dispatcher import run_due_sends
from tests.harness.app_server import AppServer


def test_given_the_planners_a_run_owes_the_next_batch_when_few_sends_are_due(db_url, fake, monkeypatch):
    """A tick plans one batch of many; the dispatcher plans the next when it runs short of due sends, so those go
    out in the same run instead of after the tick ends and the next one comes (up to an interval of silence)."""
    monkeypatch.setattr(dispatcher, "PLAN_PAUSE", 0.0)
    clock = SystemClock()
    server = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    planned: list[int] = []

    def plan(now):
        planned.append(1)
        if len(planned) == 1:  # the next batch; then nothing more is due
            with server.runtime.db.session() as session:
                owe_post(session, key="next batch", due_at=now, channel="C_TWO", text="then")

    try:
        with server.runtime.db.session() as session:
            owe_post(session, key="this batch", due_at=clock.now(), channel="C_ONE", text="first")
        performed = run_due_sends(server.runtime, server.scheduler.performers, clock.now(), workers=1, plan=plan)
        assert performed == 2
        assert sorted(c.args["text"] for c in fake.calls_to("chat.postMessage")) == ["first", "then"]
        assert len(planned) >= 2  # it asked again once the batch it found was all under way
    finally:
        server.stop()
