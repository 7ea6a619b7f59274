"""The detached copy of a partnership that `/partner status` reads holds what the ORM would have loaded."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from bot.errors import NotSetUp
from bot.partnerships import service as partnerships
from bot.partnerships.copies import require_copy
from bot.partnerships.models import Member, Partnership, TeamSide
from bot.status import status_blocks
from tests.harness.flows import set_up_partnership
from tests.harness.history import add_history
from tests.harness.waiting import eventually


def columns(instance) -> dict:
    return {attr.key: getattr(instance, attr.key) for attr in inspect(type(instance)).column_attrs}


@pytest.fixture
def three_teams(slack, fake, app):
    """A partnership whose channel holds a third organisation, its team assigned a side (a team side)."""
    fake.add_user("UTHIRD", "T0THIRD")
    fake.channel_members["C_PARTNER"] = [*fake.channel_members["C_PARTNER"], "UTHIRD"]
    channel = set_up_partnership(slack, fake, app)

    def members():
        with app.runtime.db.session() as session:
            return session.scalars(select(Member.user_id)).all()

    assert "client" in slack.command("team assign T0THIRD client").text
    slack.command("members")  # newcomers of the channel are learned
    eventually(lambda: "UTHIRD" in members(), what="the third team's person learned")
    return channel


def test_the_copy_has_the_partnerships_columns_and_every_relationship(app, three_teams):
    with app.runtime.db.session() as session:
        loaded = partnerships.require_partnership(session, three_teams)
        expected = {
            "partnership": columns(loaded),
            "members": [columns(m) for m in loaded.members],
            "charter": columns(loaded.charter),
            "team_sides": [columns(t) for t in loaded.team_sides],
        }
    assert expected["team_sides"] and len(expected["members"]) >= 3
    with app.runtime.db.snapshot() as session:
        copy = require_copy(session, three_teams)
    assert {
        "partnership": columns(copy),
        "members": [columns(m) for m in copy.members],
        "charter": columns(copy.charter),
        "team_sides": [columns(t) for t in copy.team_sides],
    } == expected
    # Every relationship is set on the copy (an unset one of a detached instance would read as empty), and the
    # way back from each member and the charter leads to the copy itself.
    unset = [rel.key for rel in inspect(Partnership).relationships if rel.key not in inspect(copy).dict]
    assert not unset, f"relationships of Partnership the copy does not set: {unset}"
    assert all(member.partnership is copy for member in copy.members) and copy.charter.partnership is copy
    assert inspect(copy).session is None and all(inspect(t).session is None for t in copy.team_sides)
    assert isinstance(copy.team_sides[0], TeamSide)


def test_status_from_the_copy_is_the_status_from_the_loaded_partnership(app, clock, partnership):
    add_history(app.runtime.db, partnership, clock.now())
    with app.runtime.db.session() as session:
        from_loaded = status_blocks(session, partnerships.require_partnership(session, partnership), clock.now())
    with app.runtime.db.snapshot() as session:
        from_copy = status_blocks(session, require_copy(session, partnership), clock.now())
    assert from_copy == from_loaded


def test_no_partnership_no_copy(app, partnership):
    with app.runtime.db.snapshot() as session, pytest.raises(NotSetUp):
        require_copy(session, "C_ELSEWHERE")
