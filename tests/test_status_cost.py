"""What one `/partner status` and one `escalations all` cost on a partnership with two years of history."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from bot.db import Database
from bot.partnerships import service as partnerships
from bot.status import status_blocks
from handlers.router import CommandContext, CommandSet, Reply, Router
from tests.harness.history import add_history


@contextmanager
def statements(engine):
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_status_reads_each_area_once_however_long_the_history(slack, app, clock, partnership):
    add_history(app.runtime.db, partnership, clock.now())
    with app.runtime.db.session() as session:
        found = partnerships.require_partnership(session, partnership)
        with statements(app.runtime.db.engine) as seen:
            _, blocks = status_blocks(session, found, clock.now())
    assert len(seen) <= 8, "\n\n".join(seen)
    shown = json.dumps(blocks, ensure_ascii=False)
    for line in ("Last check-in (Weekly update): 3 of 3 answered", "Open escalations: P1 0 · P2 1 (1 overdue",
                 "Feedback (cycle 52): client → vendor 4.0/5", "Open actions: 5", "Open blockers (1)"):  # fmt: skip
        assert line in shown, line


def test_a_whole_status_command_stays_small(slack, app, clock, partnership):
    add_history(app.runtime.db, partnership, clock.now())
    slack.command("status")  # the roster was refreshed by the first command; later ones only check it
    with statements(app.runtime.db.engine) as seen:
        response = slack.command("status")
    assert response.status == 200 and "Open escalations" in json.dumps(response.json["blocks"])
    # the whole request: the partnership with its members, the roster's freshness, the status; SQLite's BEGINs aside
    queries = [statement for statement in seen if not statement.startswith("BEGIN")]
    assert len(queries) <= 8, "\n\n".join(queries)


def test_all_escalations_list_one_page_with_how_many_more(slack, app, clock, partnership):
    add_history(app.runtime.db, partnership, clock.now(), escalations=300)
    with statements(app.runtime.db.engine) as seen:
        response = slack.command("escalations all")
    blocks = response.json["blocks"]
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "#300" in shown and "#261" in shown and "#260" not in shown
    assert blocks[-1]["type"] == "context" and "…and 260 more" in shown
    assert len(blocks) <= 50 and all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert not any("description" in statement for statement in seen)  # the page leaves descriptions unread


def test_a_roster_known_fresh_is_not_read_again_and_is_refreshed_after_its_hour(slack, app, fake, clock, partnership):
    slack.command("status")  # the first command in the channel finds out how fresh its roster is
    with statements(app.runtime.db.engine) as seen:
        assert slack.command("status").status == 200
        assert slack.command("members").status == 200
    assert not [statement for statement in seen if "roster_refreshes" in statement]
    assert fake.calls_to("conversations.members") == []

    clock.advance(minutes=61)  # the hour is up: the next command asks Slack for the members again, once
    assert slack.command("status").status == 200
    assert slack.command("status").status == 200
    assert [call.args["channel"] for call in fake.calls_to("conversations.members")] == [partnership]
    with statements(app.runtime.db.engine) as seen:  # and the new hour is known to be fresh as well
        assert slack.command("status").status == 200
    assert not [statement for statement in seen if "roster_refreshes" in statement]


def test_a_status_read_over_and_over_is_prepared_by_postgresql(slack, app, clock, partnership):
    """psycopg prepares a statement after its fifth run on a connection and forgets all it prepared at every
    ROLLBACK: reads that ended that way had PostgreSQL parse and plan a status's 14 kB of SQL every time."""
    if app.runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    add_history(app.runtime.db, partnership, clock.now())
    db = Database(app.runtime.db.url)  # its own pool: one connection, used by every read below
    try:
        for _ in range(6):
            with db.snapshot() as session:
                status_blocks(session, partnerships.require_partnership(session, partnership), clock.now())
        with db.snapshot() as session:
            prepared = session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    finally:
        db.engine.dispose()
    assert any("json_agg" in statement for statement in prepared), prepared


def threads_reading(engine, command):
    """The names of the threads that sent statements while `command` ran."""
    names: list[str] = []

    def note(*_args):
        names.append(threading.current_thread().name)

    event.listen(engine, "before_cursor_execute", note)
    try:
        response = command()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert response.status == 200
    return names


def test_status_is_answered_in_the_request_thread(slack, app, partnership):
    """Declared `inline`, status reads and answers in the thread that answers Slack: no listener thread to hand
    it to and be woken by. A command not so declared still runs on a listener thread."""
    slack.command("status")  # the roster made fresh
    engine = app.runtime.db.engine
    for_status = threads_reading(engine, lambda: slack.command("status"))
    for_others = threads_reading(engine, lambda: slack.command("escalations"))
    assert for_status and not any(name.startswith("listener") for name in for_status), for_status
    assert for_others and all(name.startswith("listener") for name in for_others), for_others


def test_a_command_declared_inline_may_not_ack_before_its_answer():
    commands = CommandSet()

    @commands.add("slow", summary="acks, then works", example="/partner slow", inline=True)
    def slow(ctx):
        ctx.ack()
        return Reply("done later")

    acked = []
    ctx = CommandContext(
        runtime=None, scheduler=None, user_id="U1", team_id="T1", channel_id="D1", trigger_id="", response_url="",
        _ack=lambda **kwargs: acked.append(kwargs),
    )  # fmt: skip
    router = Router(commands)
    assert router.answered_inline("slow") and not router.answered_inline("slwo")
    with pytest.raises(RuntimeError, match="declared inline"):
        router.dispatch(ctx, "slow")
