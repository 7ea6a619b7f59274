"""Fixtures every area's tests share: a database (SQLite, or PostgreSQL via TEST_DATABASE_URL),
the fake Slack Web API, the real app over HTTP, a driver that signs requests, and a moving clock."""

from __future__ import annotations

import logging
import os

import pytest
from sqlalchemy import text as sql

from bot.db import make_engine, upgrade
from bot.models import Base
from tests.harness.app_server import SIGNING_SECRET, AppServer
from tests.harness.clock import FakeClock
from tests.harness.fake_slack import FakeSlack
from tests.harness.flows import set_up_partnership
from tests.harness.slack_driver import SlackDriver
from tests.harness.transactions import slack_calls_while_writing

SETTING_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "DATABASE_URL",
    "SLACK_API_URL",
    "PORT",
    "METRICS_PORT",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "DEFAULT_TIMEZONE",
)

# People in the tests: the home (installing) workspace and the other organisation of a Slack Connect channel.
HOME, EXT = "T_HOME", "T_EXT"
PEOPLE = {"ULEAD": HOME, "UHOME2": HOME, "UHOME3": HOME, "UEXT1": EXT, "UEXT2": EXT, "UEXT3": EXT}


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch):
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # a clean slate: the test database belongs to the tests
            connection.execute(sql("DROP SCHEMA public CASCADE"))
            connection.execute(sql("CREATE SCHEMA public"))
    upgrade(url, engine)
    engine.dispose()
    return url


@pytest.fixture
def db_url(database_url) -> str:
    """The migrated database, emptied before each test."""
    engine = make_engine(database_url)
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(sql(f"DELETE FROM {table}"))
    engine.dispose()
    return database_url


@pytest.fixture
def fake():
    server = FakeSlack(team_id=HOME).start()
    for user, team in PEOPLE.items():
        server.add_user(user, team)
    server.add_user("UBOT", HOME, is_bot=True)
    server.channel_members["C_PARTNER"] = [*PEOPLE, "UBOT"]
    yield server
    server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(db_url, fake, clock):
    """The bot, served over HTTP; every test that uses it also checks the rule that Slack is never called inside
    a write transaction (docs/architecture.md): a call made inside one fails the test."""
    server = AppServer(database_url=db_url, api_url=fake.api_url, clock=clock).start()
    try:
        with slack_calls_while_writing(server) as calls:
            yield server
    finally:
        server.stop()
    inside = [(method, text) for method, text, writing in calls if writing]
    assert not inside, f"Slack called inside a write transaction: {inside}"


@pytest.fixture
def slack(app, fake) -> SlackDriver:
    return SlackDriver(app.url, SIGNING_SECRET, fake)


@pytest.fixture
def partnership(slack, fake, app) -> str:
    """A partnership in C_PARTNER set up by ULEAD of the home (client) workspace; returns the channel."""
    return set_up_partnership(slack, fake, app)


class _Failures(logging.Handler):
    """Errors logged while requests were handled: a listener that failed behind its ack still answered 200."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record):
        self.seen.append(record.getMessage() + (f"\n{record.exc_text or ''}" if record.exc_info else ""))


@pytest.fixture
def failures():
    handler = _Failures()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)
