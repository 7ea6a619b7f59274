"""Engine, one session per unit of work, migrations, and the insert-once primitive."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import DateTime, MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Listener threads and the scheduler write concurrently: WAL plus a generous busy timeout.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

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
            # Replicas starting together take turns; the second finds nothing left to do.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7270201)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def insert_once(session: Session, table: Table, **values):
    """INSERT ... ON CONFLICT DO NOTHING. The new row's primary key, or None when it was already there.

    Claims (event ids, scheduled occurrences) rely on this: the database, not the process,
    decides who got there first, so restarts and replicas never do the same work twice.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING, not rowcount: psycopg reports -1 for this statement under SQLAlchemy 2.1.
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
    row = session.execute(statement).first()
    return row[0] if row is not None else None
