"""A PostgreSQL that accepts connections but never answers (stopped, hung, a frozen VM) is told as unavailable
instead of hanging a request: a new connection gives up after the connect timeout, a pooled one's ping after
the ping timeout (no TCP timeout fires: every byte is acknowledged). PostgreSQL only: SQLite has no server."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import text

from bot.db import Database
from bot.errors import DatabaseUnavailable
from tests.harness.frozen_proxy import FrozenProxy

# A hang detector, not a timing assertion: a request that is never answered would wait forever.
HANG = 30


@pytest.fixture
def proxied(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a frozen server needs PostgreSQL")
    parts = urlsplit(database_url)
    proxy = FrozenProxy(parts.hostname, parts.port or 5432)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    db = Database(urlunsplit(parts._replace(netloc=netloc)))
    yield proxy, db
    proxy.stop()
    db.engine.dispose()


def _outcome(db: Database) -> list:
    """What a unit of work meets, run in a thread so that a hang fails the test instead of stalling it."""
    seen: list = []

    def work() -> None:
        try:
            with db.session() as session:
                seen.append(session.execute(text("SELECT 1")).scalar())
        except Exception as error:
            seen.append(error)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(HANG)
    assert not worker.is_alive(), "the unit of work hung on a frozen database"
    return seen


def test_a_frozen_database_under_a_pooled_connection_is_told_as_unavailable(proxied):
    proxy, db = proxied
    assert _outcome(db) == [1]  # a pooled connection, alive
    proxy.frozen.set()
    (seen,) = _outcome(db)
    assert isinstance(seen, DatabaseUnavailable), repr(seen)
    proxy.frozen.clear()  # thawed: the next unit of work connects afresh and is served
    assert _outcome(db) == [1]


def test_a_database_that_accepts_but_never_answers_a_new_connection_is_told_as_unavailable(proxied):
    proxy, db = proxied
    proxy.frozen.set()
    (seen,) = _outcome(db)
    assert isinstance(seen, DatabaseUnavailable), repr(seen)


def test_the_servers_own_limits_are_set_for_each_connection(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("server settings of PostgreSQL")
    db = Database(database_url)
    try:
        with db.read() as session:
            statement = session.execute(text("SHOW statement_timeout")).scalar()
            lock = session.execute(text("SHOW lock_timeout")).scalar()
    finally:
        db.engine.dispose()
    assert (statement, lock) == ("10s", "3s")
