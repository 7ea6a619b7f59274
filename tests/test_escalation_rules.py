"""The lifecycle table, pair by pair, on the real database: every allowed move works and is audited,
every other move and every unauthorised actor is refused and changes nothing."""

from datetime import datetime, timezone

import pytest

from bot.db import Database
from bot.errors import UserError
from bot.escalations import service as escalations
from bot.escalations.lifecycle import ALLOWED, STATES
from bot.escalations.models import Escalation, Transition
from bot.partnerships import service as partnerships
from bot.partnerships.models import Member, Partnership
from bot.workdays import work_calendar

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
RESOLUTION = escalations.ResolveForm(root_cause_category="process", root_cause="r", corrective_action="c")


@pytest.fixture
def world(db_url):
    db = Database(db_url)
    with db.session() as session:
        settings = partnerships.PartnershipSettings(
            name="P", client_org="A", vendor_org="B", home_side="client", timezone="UTC", business_days=[1, 2, 3, 4, 5]
        )
        partnership = partnerships.create_partnership(
            session, channel_id="C1", settings=settings, home_team_id="T1", created_by="ULEAD", now=NOW
        )
        people = {
            name: partnerships.ensure_member(session, partnership, team_id=team, user_id=name, now=NOW)
            for name, team in (("ULEAD", "T1"), ("URAISER", "T2"), ("UOWNER", "T2"), ("UOTHER", "T1"))
        }
        form = escalations.EscalationForm(title="t", severity="P2", category="quality", description="d")
        calendar = work_calendar(session, partnership)
        first = escalations.raise_escalation(session, partnership, people["URAISER"], form, calendar, NOW).escalation
        other = escalations.raise_escalation(session, partnership, people["URAISER"], form, calendar, NOW).escalation
        ids = (partnership.id, first.id, other.id)
    yield db, ids
    db.engine.dispose()


def attempt(db, ids, source: str, target: str, actor_name: str, council: bool = False):
    """Put escalation #1 in `source` (owned by UOWNER) and try to move it to `target` as `actor_name`
    (sitting on the governance council when `council`)."""
    partnership_id, first_id, other_id = ids
    with db.session() as session:
        partnership = session.get(Partnership, partnership_id)
        escalation = session.get(Escalation, first_id)
        escalation.state, escalation.owner_team, escalation.owner_user = source, "T2", "UOWNER"
        actor = next(m for m in partnership.members if m.user_id == actor_name)
        owner = session.query(Member).filter_by(user_id="UOWNER").one()

        def audited():
            return session.query(Transition).filter_by(escalation_id=first_id).count()

        before = audited()
        try:
            escalations.move(
                session,
                escalation,
                actor,
                target,
                NOW,
                owner=owner,
                resolution=RESOLUTION,
                duplicate_of=session.get(Escalation, other_id),
                calendar=work_calendar(session, partnership),
                council=council,
            )
        except UserError as error:
            session.rollback()
            return "refused", str(error)
        return escalation.state, audited() - before


@pytest.mark.parametrize("source", list(STATES))
@pytest.mark.parametrize("target", list(STATES))
def test_each_pair_of_states(world, source, target):
    db, ids = world
    outcome = attempt(db, ids, source, target, "ULEAD", council=True)  # leads sit on the council by default
    if (source, target) in ALLOWED:
        assert outcome == (target, 1)  # moved, and one audit row written
    else:
        assert outcome[0] == "refused" and "cannot be moved" in outcome[1]


@pytest.mark.parametrize("pair", sorted(ALLOWED))
def test_who_may_make_each_move(world, pair):
    db, ids = world
    allowed = ALLOWED[pair]
    people = (("ULEAD", "lead"), ("UOWNER", "owner"), ("URAISER", "raiser"), ("UOTHER", "council"), ("UOTHER", None))
    for actor, role in people:
        outcome = attempt(db, ids, *pair, actor, council=role == "council")
        if role in allowed:
            assert outcome == (pair[1], 1), (actor, outcome)
        else:
            assert outcome[0] == "refused" and "Only" in outcome[1], (actor, outcome)
