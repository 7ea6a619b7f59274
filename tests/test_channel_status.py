"""A channel's status in one statement: its lines are read with the copy of the partnership its last status was
read with, checked against the partnership read in the same statement."""

from __future__ import annotations

import json

from sqlalchemy import update

from bot import status
from bot.db import Database
from bot.partnerships import service as partnerships
from bot.partnerships.models import Partnership
from bot.status import channel_status, status_blocks
from tests.harness.flows import set_up_partnership
from tests.harness.history import add_history
from tests.harness.slack_driver import text
from tests.test_status_cost import statements


def queries(seen: list[str]) -> list[str]:
    return [statement for statement in seen if not statement.startswith("BEGIN")]  # SQLite's own BEGINs aside


def test_a_known_channels_status_is_one_statement(slack, app, clock, partnership):
    add_history(app.runtime.db, partnership, clock.now())
    with statements(app.runtime.db.engine) as first:
        assert slack.command("status").status == 200  # the channel's first: its partnership, then its lines
    with statements(app.runtime.db.engine) as seen:
        response = slack.command("status")
    assert response.status == 200 and "Open escalations" in json.dumps(response.json["blocks"])
    read = queries(seen)
    assert len(read) == 1, "\n\n".join(read)
    assert "channel_id" in read[0] and "escalations" in read[0]  # the partnership and the lines together
    assert len(queries(first)) >= 2


def test_a_partnership_changed_elsewhere_is_read_again_before_its_lines(slack, app, clock, partnership):
    """Another replica renames the partnership and moves it to another timezone (which changes its local date,
    a parameter of its lines): the next status here is the status of the partnership as it now is."""
    add_history(app.runtime.db, partnership, clock.now())
    assert slack.command("status").status == 200
    other = Database(app.runtime.db.url)  # another process's connections
    try:
        with other.session() as session:
            session.execute(
                update(Partnership)
                .where(Partnership.channel_id == partnership)
                .values(name="Renamed Co", timezone="Pacific/Kiritimati")  # UTC+14: already tomorrow there
            )
    finally:
        other.engine.dispose()
    with statements(app.runtime.db.engine) as seen:
        response = slack.command("status")
    assert len(queries(seen)) == 2  # the lines read with the stale copy are read again
    with app.runtime.db.session() as session:
        expected = status_blocks(session, partnerships.require_partnership(session, partnership), clock.now())
    assert response.json["blocks"] == json.loads(json.dumps(expected[1]))
    shown = json.dumps(response.json["blocks"])
    assert "Renamed Co" in shown and "Pacific/Kiritimati" in shown
    with statements(app.runtime.db.engine) as seen:  # and the new copy is the one known from now on
        assert slack.command("status").status == 200
    assert len(queries(seen)) == 1


def test_the_copies_kept_are_the_most_recent_channels_only(slack, fake, app, clock, partnership, monkeypatch):
    monkeypatch.setattr(status, "KNOWN_CHANNELS", 1)
    second = set_up_partnership(slack, fake, app, channel="C_SECOND", name=text("Second Co"))
    for channel in (partnership, second, partnership):
        title, _ = channel_status(app.runtime.db, channel, clock.now())
        with app.runtime.db.session() as session:
            expected = status_blocks(session, partnerships.require_partnership(session, channel), clock.now())
        assert title == expected[0]
    assert list(status._known[app.runtime.db]) == [partnership]
