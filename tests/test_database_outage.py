"""Which database errors are an outage (told to people, waited out by the scheduler) and which are bugs, and
that a database that does not answer is given up on instead of hanging the request."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest
from sqlalchemy import text

from bot.db import MAX_OVERFLOW, POOL_SIZE, Database
from bot.errors import DatabaseUnavailable
from tests.harness.app_server import BOT_TOKEN, SIGNING_SECRET, free_port


def outcome_of(work) -> tuple[bool, object]:
    """Run `work` in a thread; (finished, what it returned or raised). The join's bound only guards a hang."""
    found: dict = {}

    def run():
        try:
            found["value"] = work()
        except Exception as error:  # noqa: BLE001 - the test looks at what was raised
            found["value"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)
    return not thread.is_alive(), found.get("value")


def select_one(db: Database):
    with db.session() as session:
        return session.execute(text("SELECT 1")).scalar()


def test_a_database_server_that_never_answers_is_given_up_on():
    with socket.socket() as silent:  # the kernel completes the connection; nobody ever speaks on it
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/partnerbot")
        finished, raised = outcome_of(lambda: select_one(db))
        assert finished, "a connection attempt hung"
        assert isinstance(raised, DatabaseUnavailable), raised
        assert outcome_of(db.is_healthy) == (True, False)
        db.engine.dispose()


def test_a_sqlite_file_that_cannot_be_opened_is_an_outage(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/no-such-directory/partnerbot.db")
    with pytest.raises(DatabaseUnavailable):
        select_one(db)
    assert db.is_healthy() is False


def test_a_wrong_statement_is_a_bug_not_an_outage(db_url):
    db = Database(db_url)
    with pytest.raises(Exception) as raised, db.session() as session:
        session.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(raised.value, DatabaseUnavailable)
    assert "no_such_table" in str(raised.value)
    db.engine.dispose()


def test_no_free_connection_is_told_like_an_outage(db_url):
    db = Database(db_url)
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connections to run out of")
    held = [db.engine.connect() for _ in range(POOL_SIZE + MAX_OVERFLOW)]
    try:
        finished, raised = outcome_of(lambda: select_one(db))
        assert finished and isinstance(raised, DatabaseUnavailable), raised
    finally:
        for connection in held:
            connection.close()
        db.engine.dispose()


def test_partnerbot_run_without_its_database_says_so_in_one_line(tmp_path):
    with socket.socket() as closed:  # bound but not listening: connections to it are refused
        closed.bind(("127.0.0.1", 0))
        env = {
            "PATH": "/usr/bin:/bin",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{closed.getsockname()[1]}/partnerbot",
            "PORT": str(free_port()),
        }
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().startswith("partnerbot: can't reach the database ("), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
