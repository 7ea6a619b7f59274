"""`/partner help` and a mistyped command are answered from the declaration alone: no database work at all."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from bot.errors import DatabaseUnavailable


@contextmanager
def database_work(engine):
    """Every connection taken from the pool and every statement sent while inside."""
    seen: list[str] = []

    def checkout(*_args):
        seen.append("(a connection checked out)")

    def statement(_conn, _cursor, sql, *_args):
        seen.append(sql)

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "checkout", checkout)


def test_help_needs_no_database(slack, app, partnership):
    slack.command("status")  # the channel's roster is fresh: what a command in it would read is there
    with database_work(app.runtime.db.engine) as seen:
        help_ = slack.command("help")
        bare = slack.command("")
        outside = slack.command("help", channel="C_ELSEWHERE")
        mistyped = slack.command("sttaus")
    assert help_.status == 200 and "partnerbot commands" in help_.text
    assert bare.json == help_.json and outside.json == help_.json
    assert mistyped.status == 200 and "`sttaus` is not a /partner command" in mistyped.text
    assert seen == []


def test_help_is_answered_while_the_database_is_unreachable(slack, app, partnership):
    engine = app.runtime.db.engine

    def refuse(*_args):  # what bot.db makes of any connection that cannot be had
        raise DatabaseUnavailable("connection refused")

    event.listen(engine, "checkout", refuse)
    try:
        help_ = slack.command("help")
        status = slack.command("status")
    finally:
        event.remove(engine, "checkout", refuse)
    assert help_.status == 200 and "partnerbot commands" in help_.text
    assert status.status == 200 and "can't reach its database" in status.text  # a command that reads is told


def test_help_once_worked_out_is_answered_without_a_listener_thread(slack, app, partnership):
    """The first `/partner help` is worked out by its listener; later ones (bare `/partner` too) are answered by
    middleware in the request thread, with the same response, and no listener is run for them."""
    first = slack.command("help")
    runner = app.bolt.listener_runner
    ran = []
    run = runner.run

    def counted(*args, **kwargs):
        ran.append(kwargs.get("listener_name"))
        return run(*args, **kwargs)

    runner.run = counted
    try:
        again, bare, status = slack.command("help"), slack.command(""), slack.command("status")
    finally:
        runner.run = run
    assert again.status == bare.status == 200 and again.json == bare.json == first.json
    assert ran == ["on_partner"]  # status alone went to a listener
    assert "status" in status.text.lower()
