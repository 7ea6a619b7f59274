"""The partnership rules that are easy to get wrong, on the real database without HTTP."""

from datetime import datetime, timezone

import pytest

from bot.db import Database
from bot.errors import NotALead, UserError
from bot.escalations.lifecycle import ACTIVE, ALLOWED
from bot.partnerships import service
from bot.partnerships.models import CharterEdit, Member, other_side
from bot.partnerships.targets import parse_target
from bot.slack.text import escape
from bot.status import status_blocks

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.engine.dispose()


def new_partnership(session, home_side="vendor"):
    settings = service.PartnershipSettings(
        name="Ops",
        client_org="Acme",
        vendor_org="Globex",
        home_side=home_side,
        timezone="Asia/Manila",
        business_days=[5, 1, 2, 3, 4, 1],
    )
    return service.create_partnership(
        session, channel_id="C1", settings=settings, home_team_id="T_HOME", created_by="ULEAD", now=NOW
    )


def test_sides_follow_home_team_and_the_creator_leads(db):
    with db.session() as session:
        partnership = new_partnership(session)
        assert partnership.business_days == [1, 2, 3, 4, 5]
        lead = service.ensure_member(session, partnership, team_id="T_HOME", user_id="ULEAD", now=NOW)
        assert (lead.side, lead.role) == ("vendor", "lead")
        guest = service.ensure_member(session, partnership, team_id="T_OTHER", user_id="UX", now=NOW)
        assert (guest.side, guest.role) == ("client", "member")
        assert service.ensure_member(session, partnership, team_id="T_OTHER", user_id="UX", now=NOW) is guest


def test_a_second_setup_of_the_same_channel_is_refused(db):
    with db.session() as session:
        new_partnership(session)
    with pytest.raises(UserError, match="already a partnership"), db.session() as session:
        new_partnership(session)


def test_changing_which_side_this_workspace_is_moves_inferred_members_only(db):
    with db.session() as session:
        partnership = new_partnership(session)
        lead = service.find_member(session, partnership, "T_HOME", "ULEAD")
        guest = service.ensure_member(session, partnership, team_id="T_OTHER", user_id="UX", now=NOW)
        pinned = service.set_side(session, partnership, lead, team_id="T_HOME", user_id="UY", side="client", now=NOW)
        settings = service.PartnershipSettings(
            name="Ops", client_org="Acme", vendor_org="Globex", home_side="client", timezone="UTC", business_days=[1]
        )
        service.update_settings(session, partnership, lead, settings)
        assert (lead.side, guest.side, pinned.side) == ("client", "vendor", "client")


def test_only_leads_change_roles_and_the_last_lead_stays(db):
    with db.session() as session:
        partnership = new_partnership(session)
        lead = service.find_member(session, partnership, "T_HOME", "ULEAD")
        guest = service.ensure_member(session, partnership, team_id="T_OTHER", user_id="UX", now=NOW)
        with pytest.raises(NotALead):
            service.set_role(session, partnership, guest, team_id="T_OTHER", user_id="UX", role="lead", now=NOW)
        with pytest.raises(UserError, match="only lead"):
            service.set_role(session, partnership, lead, team_id="T_HOME", user_id="ULEAD", role="member", now=NOW)
        service.set_role(session, partnership, lead, team_id="T_OTHER", user_id="UX", role="lead", now=NOW)
        # A lead on the other side does not stand in for this side's last lead, nor may the lead change sides.
        with pytest.raises(UserError, match="side's only lead"):
            service.set_role(session, partnership, lead, team_id="T_HOME", user_id="ULEAD", role="sponsor", now=NOW)
        with pytest.raises(UserError, match="side's only lead"):
            service.set_side(session, partnership, lead, team_id="T_HOME", user_id="ULEAD", side="client", now=NOW)
        service.set_role(session, partnership, lead, team_id="T_HOME", user_id="UY", role="lead", now=NOW)
        service.set_role(session, partnership, lead, team_id="T_HOME", user_id="ULEAD", role="sponsor", now=NOW)
        assert sorted(m.user_id for m in service.leads(partnership)) == ["UX", "UY"]


def test_charter_edit_logs_only_what_changed(db):
    with db.session() as session:
        partnership = new_partnership(session)
        lead = service.find_member(session, partnership, "T_HOME", "ULEAD")
        fields = service.charter_fields(partnership.charter)
        assert service.edit_charter(session, partnership, lead, fields, NOW) is None
        fields.update_rhythm = "Weekly"
        edit = service.edit_charter(session, partnership, lead, fields, NOW)
        assert edit.changes == {"update_rhythm": {"from": "", "to": "Weekly"}}
        assert session.query(CharterEdit).filter_by(partnership_id=partnership.id).count() == 1


def test_setup_form_errors_point_at_their_inputs():
    settings, errors = service.settings_from_form(
        {
            "name": "",
            "client_org": "A",
            "vendor_org": "B",
            "home_side": None,
            "timezone": "Nowhere/Else",
            "business_days": ["1", "9"],
        }
    )
    assert settings is None
    assert set(errors) == {"name", "home_side", "timezone", "business_days"}
    assert errors["name"] == "This is required."


@pytest.mark.parametrize(
    "written, amount, unit", [("30m", 30, "m"), ("8H", 8, "h"), (" 2 d", 2, "d"), ("10bd", 10, "bd")]
)
def test_targets_parse(written, amount, unit):
    target = parse_target(written)
    assert (target.amount, target.unit) == (amount, unit)


@pytest.mark.parametrize("written", ["", "30", "m", "0h", "1w", "-2h", "1.5h", "12345m"])
def test_bad_targets_are_refused(written):
    with pytest.raises(ValueError, match="is not a target"):
        parse_target(written)


def test_escape_neutralises_mentions_and_links():
    assert escape("<!channel> <@U1> <https://x|y> & co") == "&lt;!channel&gt; &lt;@U1&gt; &lt;https://x|y&gt; &amp; co"


def test_an_event_is_claimed_once(db):
    from bot.claims import claim_event

    with db.session() as session:
        assert claim_event(session, event_id="Ev1", event_type="message", now=NOW) is True
        assert claim_event(session, event_id="Ev1", event_type="message", now=NOW) is False
        assert claim_event(session, event_id="Ev2", event_type="message", now=NOW) is True
    with db.session() as session:  # and across sessions, as replicas would see it
        assert claim_event(session, event_id="Ev1", event_type="message", now=NOW) is False


def test_a_number_taken_meanwhile_is_skipped(db, monkeypatch):
    """Two people adding at once both compute the next number; the one refused takes the one after."""
    from bot import numbering
    from bot.actions import service as actions

    with db.session() as session:
        partnership = new_partnership(session)
        first = actions.create_action(
            session, partnership, title="a", due_date=NOW.date(), source="feedback", created_by="ULEAD", now=NOW
        )
        real = numbering.next_number
        answers = iter([first.number])  # the first try collides with the existing action 1
        monkeypatch.setattr(numbering, "next_number", lambda *a: next(answers, None) or real(*a))
        second = actions.create_action(
            session, partnership, title="b", due_date=NOW.date(), source="feedback", created_by="ULEAD", now=NOW
        )
        assert (first.number, second.number) == (1, 2)


def member(role: str = "member", team: str = "T1", user: str = "U1") -> Member:
    return Member(team_id=team, user_id=user, role=role, side="client")


def test_roles_toward_something_owned_and_raised():
    owner = ("T1", "U1")
    assert service.roles_toward(member(), owner=owner) == {"owner"}
    assert service.roles_toward(member("lead", user="U2"), owner=owner) == {"lead"}
    assert service.roles_toward(member(team="T2"), owner=owner) == set()  # same user id, other company
    assert service.roles_toward(member(), owner=(None, None), raiser=owner) == {"raiser"}


def test_the_owner_or_a_lead_and_no_one_else():
    assert service.is_owner_or_lead(member(), ("T1", "U1"))
    assert service.is_owner_or_lead(member("lead", user="U9"), ("T1", "U1"))
    assert service.is_owner_or_lead(member("lead", user="U9"), (None, None))
    assert not service.is_owner_or_lead(member("sponsor", user="U9"), ("T1", "U1"))
    assert not service.is_owner_or_lead(member(), (None, None))


def test_leads_and_sponsors_of_a_partnership(db):
    with db.session() as session:
        partnership = new_partnership(session)
        service.set_role(
            session,
            partnership,
            partnership.members[0],
            team_id="T_OTHER",
            user_id="USPONSOR",
            role="sponsor",
            now=NOW,
        )
        assert [m.user_id for m in service.leads(partnership)] == ["ULEAD"]
        assert [m.user_id for m in service.sponsors(partnership)] == ["USPONSOR"]


def test_the_other_side():
    assert other_side("client") == "vendor" and other_side("vendor") == "client"


def test_active_escalation_states_are_those_still_to_be_resolved():
    assert set(ACTIVE) == {source for source, to in ALLOWED if to == "resolved"}


def charter_values(**changes: str) -> dict[str, str]:
    return {f"{s}_{k}": "1bd" for s in ("P1", "P2", "P3", "P4") for k in ("ack", "resolve")} | changes


def test_charter_targets_are_normalised_and_each_bad_one_shown_at_its_input():
    fields, errors = service.charter_from_form(charter_values(P1_ack=" 30 M "))
    assert errors == {} and fields.escalation_targets["P1"] == {"ack": "30m", "resolve": "1bd"}
    fields, errors = service.charter_from_form(charter_values(P1_ack="soon", P4_resolve="", update_rhythm="x" * 2501))
    assert fields is None
    assert set(errors) == {"P1_ack", "P4_resolve", "update_rhythm"}
    assert errors["P1_ack"].startswith("'soon' is not a target")


def test_status_gathers_each_areas_lines(db):
    with db.session() as session:
        partnership = new_partnership(session)
        text, blocks = status_blocks(session, partnership, NOW)
        shown = "\n".join(b["text"]["text"] if b["type"] == "section" else b["elements"][0]["text"] for b in blocks)
    assert text == "Status of Ops"
    for line in (
        "*Vendor* Globex: 1 member(s), led by <@ULEAD>",
        "*Client* Acme: 0 member(s), no lead yet",
        "Charter: defaults from setup (`/partner charter` to read or edit)",
        "Next check-in: none scheduled (`/partner rhythm add`)",
        "Next milestones: none (`/partner milestone add`)",
        "Feedback: no cycle has closed yet",
        "Open actions: 0",
        "Kudos: none in the last 90 days (`/kudos @user what they did`)",
        "Timezone Asia/Manila · business days Mon, Tue, Wed, Thu, Fri",
    ):
        assert line in shown
