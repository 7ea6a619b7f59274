"""Engine, one session per unit of work, migrations, and the insert-once primitive."""

from __future__ import annotations

import re
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from sqlalchemy import DateTime, MetaData, Table, create_engine, delete, event, inspect
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from bot.db_liveness import ping_within
from bot.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use the clock's aware UTC times")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# Slack waits 3 s for an answer: a database that does not answer a connection attempt, or a pool with no
# connection free, is given up on before that, so the person can still be told (libpq's minimum is 2 s).
CONNECT_TIMEOUT = 2
POOL_TIMEOUT = 2
POOL_SIZE, MAX_OVERFLOW = 10, 10
# The server's own limits, for statements that reach it: no request of a Slack bot needs 10 s, and waiting
# on a lock longer than Slack waits for an answer helps nobody (both are told as "can't reach it right now").
STATEMENT_TIMEOUT_MS, LOCK_TIMEOUT_MS = 10_000, 3_000
# A peer that vanished (a host down, a network cut) is noticed by TCP keepalives while idle, and by
# tcp_user_timeout while data waits to be acknowledged, instead of the kernel's 2 h / 15 min defaults.
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": CONNECT_TIMEOUT,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
    "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}",
}
# PostgreSQL error classes that mean "cannot be reached now" rather than "this statement is wrong":
# connection exception, insufficient resources (too many connections), shutting down, system error; and the
# server's own time limits above (query_canceled by statement_timeout, lock_not_available by lock_timeout).
_UNREACHABLE_SQLSTATES = ("08", "53", "57P", "58", "57014", "55P03")
# What SQLite says when its file cannot be used at all (gone, unreadable, still locked after the busy timeout).
_UNREACHABLE_SQLITE = ("unable to open database file", "database is locked", "disk i/o error")


def _unreachable(context: ExceptionContext) -> bool:
    if context.is_disconnect:
        return True
    if not isinstance(context.sqlalchemy_exception, OperationalError):
        return False
    if context.dialect.name == "sqlite":
        return str(context.original_exception).lower().startswith(_UNREACHABLE_SQLITE)
    state = getattr(context.original_exception, "sqlstate", None)  # None: refused, timed out, cut off
    return state is None or state.startswith(_UNREACHABLE_SQLSTATES)


def _told_as_outage(context: ExceptionContext) -> None:
    """The one place an unreachable database is recognised: whatever statement met it, it raises
    DatabaseUnavailable, which every path tells instead of failing with its own error."""
    if not context.is_pre_ping and _unreachable(context):  # a failed pre-ping just makes the pool reconnect
        raise DatabaseUnavailable(str(context.original_exception).splitlines()[0])


@contextmanager
def _pool_timeout_is_an_outage() -> Iterator[None]:
    """Every connection busy for POOL_TIMEOUT: to the person waiting, no different from a database that is down."""
    try:
        yield
    except PoolTimeout as exc:
        raise DatabaseUnavailable(f"no database connection free within {POOL_TIMEOUT}s") from exc


def make_engine(url: str) -> Engine:
    engine = _make_engine(url)
    event.listen(engine, "handle_error", _told_as_outage)
    return engine


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Listener threads and the scheduler write concurrently: WAL plus a generous busy timeout.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Python's sqlite3 driver begins transactions late and on its own, so SQLAlchemy's SAVEPOINTs and
            # rollbacks are not real (a row inserted in a savepoint outlives the rollback). SQLAlchemy's
            # documented recipe: turn the driver's own BEGIN off here and emit ours in the "begin" event.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # IMMEDIATE takes the write lock at the start, so a unit of work that reads then writes waits its
            # turn (busy timeout) instead of failing on a snapshot another writer made stale meanwhile; it
            # also makes "check, then change" (the last lead stays) hold under concurrency, as SQLite has
            # no row locks. A snapshot (Database.snapshot) only reads: WAL lets it read without waiting for writers.
            snapshot = connection.get_execution_options().get("snapshot")
            connection.exec_driver_sql("BEGIN" if snapshot else "BEGIN IMMEDIATE")

        return engine
    engine = create_engine(
        url,
        pool_pre_ping=True,  # a connection the server dropped (a restart, an outage) is replaced, not used
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        pool_timeout=POOL_TIMEOUT,
        connect_args=POSTGRES_CONNECT_ARGS,
    )
    engine.dialect.do_ping = ping_within(engine.dialect.do_ping)  # a frozen server is told as one that is down
    return engine


def _note_new_rows(session: Session, _context) -> None:
    session.info.setdefault("new_objects", []).extend(session.new)


class Inserted:
    """The rows one unit of work inserted (ORM adds and `insert_once` claims alike), read after it commits."""

    def __init__(self, session: Session):
        self._info = session.info

    def rows(self) -> list[tuple[Table, dict]]:
        found = list(self._info.get("new_rows", []))
        for obj in self._info.get("new_objects", []):
            state = inspect(obj)
            if state.identity is not None:  # not one a rolled-back savepoint took away again
                table = state.mapper.local_table
                found.append(
                    (table, dict(zip([c.name for c in table.primary_key.columns], state.identity, strict=True)))
                )
        return found


def inserted_by(session: Session) -> Inserted:
    return Inserted(session)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        snapshot: dict[str, Any] = {"snapshot": True}
        if self.engine.dialect.name == "postgresql":
            # At READ COMMITTED each statement sees what was committed before it began, in a transaction or not:
            # for reads, BEGIN and COMMIT would be two round trips that change nothing.
            snapshot["isolation_level"] = "AUTOCOMMIT"
        self._snapshots = self.engine.execution_options(**snapshot)
        event.listen(self._sessions, "after_flush", _note_new_rows)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        session = self._sessions()
        try:
            with _pool_timeout_is_an_outage():
                yield session
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A unit of work that only checks: always rolled back, so a refusal found in it leaves nothing behind
        (not even the member row that looking someone up adds)."""
        session = self._sessions()
        try:
            with _pool_timeout_is_an_outage():
                yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """Reads that never write, before an ack: on SQLite they take no write lock, so a burst of writers does
        not make them wait (SQLite's busy handler polls, with sleeps of up to 100 ms).

        Ended with COMMIT, which for reads is the same as ROLLBACK, except to psycopg: a ROLLBACK makes it forget
        (and DEALLOCATE) every statement it prepared on the connection, so statements read on every request (a
        status's gathered statement: 14 kB of SQL) would be parsed and planned by PostgreSQL every time instead of
        prepared after their fifth run. Rolled back when the reads failed."""
        session = Session(self._snapshots, expire_on_commit=False)
        try:
            with _pool_timeout_is_an_outage():
                yield session
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def take_back(self, inserted: Inserted) -> None:
        """Delete what a committed unit of work inserted, children first: its post was refused, so it never was."""
        by_table = defaultdict(list)
        for table, key in inserted.rows():
            by_table[table.name].append(key)
        with self.session() as session:
            for table in reversed(Base.metadata.sorted_tables):
                for key in by_table.get(table.name, []):
                    session.execute(delete(table).where(*(table.c[name] == value for name, value in key.items())))

    def upgrade(self) -> None:
        upgrade(self.url, self.engine)

    def is_healthy(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # imported when migrating, not on every start of every command

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revisions() -> set[str]:
    """The newest migrations, read from the version files: a start that finds the database there needs
    no Alembic (importing it is a good part of a cold start)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision\s*=\s*"([^"]+)"', source, re.M)
        down = re.search(r"^down_revision\s*=\s*(.+)$", source, re.M)
        if revision:
            revisions.add(revision.group(1))
        if down:
            parents.update(re.findall(r'"([^"]+)"', down.group(1)))
    return revisions - parents


def at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            applied = set(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    except Exception:  # no version table yet: a new database
        return False
    return applied == head_revisions()


def upgrade(url: str, engine: Engine | None = None) -> None:
    """Apply every migration up to head; safe to run on every start and by several replicas."""
    engine = engine or make_engine(url)
    if at_head(engine):
        return
    from alembic import command

    config = alembic_config(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # A migration may rewrite a big table, and may wait for another replica's: not a request's limits.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
            # Replicas starting together take turns; the second finds nothing left to do.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7270201)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def insert_once(session: Session, table: Table, **values):
    """INSERT ... ON CONFLICT DO NOTHING. The new row's primary key, or None when it was already there.

    Claims (event ids, scheduled occurrences) rely on this: the database, not the process,
    decides who got there first, so restarts and replicas never do the same work twice.
    """
    inserted = insert_many_once(session, table, [values])
    return inserted[0] if inserted else None


# Rows a statement of insert_many_once inserts at most: SQLite allows 32,766 parameters in a statement.
_ROWS_A_STATEMENT = 500


def insert_many_once(session: Session, table: Table, rows: list[dict]) -> list:
    """`insert_once` for many rows (all with the same columns) in a statement or a few: the primary keys of the
    rows that were not there yet."""
    dialect = session.get_bind().dialect.name
    # imported here: a start on SQLite need not load PostgreSQL's dialect (nor the reverse)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    inserted = []
    for start in range(0, len(rows), _ROWS_A_STATEMENT):
        chunk = rows[start : start + _ROWS_A_STATEMENT]
        # RETURNING, not rowcount: psycopg reports -1 for this statement under SQLAlchemy 2.1.
        statement = insert(table).values(chunk).on_conflict_do_nothing().returning(*table.primary_key.columns)
        for row in session.execute(statement):
            session.info.setdefault("new_rows", []).append((table, dict(zip(row._fields, row, strict=True))))
            inserted.append(row[0])
    return inserted
