"""The rules of a partnership: setup, members, sides, roles, charter. No Slack in here."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, time, timedelta
from typing import Callable, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, joinedload

from bot import logs
from bot.db import insert_once
from bot.errors import BadInput, LastLead, NoSide, NotALead, NotSetUp, UserError
from bot.gather import Gather
from bot.partnerships.models import ROLES, SIDES, Charter, CharterEdit, Member, Partnership, TeamSide
from bot.partnerships.targets import DEFAULT_TARGETS, KINDS, SEVERITIES, EscalationTargets
from bot.validation import Typed
from bot.workdays import next_weekday_at
from bot.zones import zone_named


class PartnershipSettings(BaseModel):
    """What the setup modal asks for."""

    name: Typed = Field(min_length=1, max_length=150)
    client_org: Typed = Field(min_length=1, max_length=150)
    vendor_org: Typed = Field(min_length=1, max_length=150)
    home_side: Literal["client", "vendor"]
    timezone: str
    business_days: list[int] = Field(min_length=1)
    governance_channel_id: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str):
        if zone_named(value.strip()) is None:
            raise ValueError(f"'{value}' is not an IANA timezone; try e.g. Europe/London")
        return value.strip()

    @field_validator("business_days")
    @classmethod
    def _weekdays(cls, value: list[int]):
        if any(day < 1 or day > 7 for day in value):
            raise ValueError("business days are ISO weekdays 1 (Monday) to 7 (Sunday)")
        return sorted(set(value))


class CharterFields(BaseModel):
    """What the charter modal edits."""

    client_decisions: str = Field(default="", max_length=2500)
    vendor_decisions: str = Field(default="", max_length=2500)
    response_targets: str = Field(default="", max_length=2500)
    update_rhythm: str = Field(default="", max_length=2500)
    escalation_targets: EscalationTargets


@event.listens_for(Partnership, "load")
def _lines_are_about(partnership: Partnership, _context) -> None:
    """A request or a send that loads a partnership is about it: its log lines say which (bot.logs)."""
    logs.note(partnership=partnership.id, channel=partnership.channel_id)


def form_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors as {field: message}, the shape a modal shows next to each input."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "string_too_short":
            message = "This is required."
        errors.setdefault(field, message)
    return errors


def find_partnership(session: Session, channel_id: str) -> Partnership | None:
    """The channel's partnership with its members (nearly every command asks who is who): one statement."""
    found = session.execute(
        select(Partnership).where(Partnership.channel_id == channel_id).options(joinedload(Partnership.members))
    )
    return found.unique().scalar_one_or_none()


def find_by_thread(session: Session, model, channel_id: str, thread_ts: str):
    """The check-in, escalation or milestone whose channel message started this thread, or None."""
    return session.scalar(
        select(model)
        .join(Partnership, Partnership.id == model.partnership_id)
        .where(Partnership.channel_id == channel_id, model.message_ts == thread_ts)
    )


def owner_or_leads(partnership: Partnership, owner_team: str | None, owner_user: str | None) -> list[tuple[str, str]]:
    """Who answers for something: its owner, or the partnership's leads while it has none."""
    if owner_user:
        return [(owner_team, owner_user)]
    return [(m.team_id, m.user_id) for m in leads(partnership)]


def require_partnership(session: Session, channel_id: str) -> Partnership:
    partnership = find_partnership(session, channel_id)
    if partnership is None:
        raise NotSetUp()
    return partnership


def find_member(session: Session, partnership: Partnership, team_id: str, user_id: str) -> Member | None:
    return session.scalar(
        select(Member).where(
            Member.partnership_id == partnership.id, Member.team_id == team_id, Member.user_id == user_id
        )
    )


def ensure_member(session: Session, partnership: Partnership, *, team_id: str, user_id: str, now: datetime) -> Member:
    """The member for (team, user), added on first sight with the side their home team implies.

    A user id found under another team is the same person (Slack user ids are unique across teams; a
    payload without the home team can name the workspace instead). Concurrent first sightings insert once."""
    member = find_member(session, partnership, team_id, user_id) or session.scalar(
        select(Member).where(Member.partnership_id == partnership.id, Member.user_id == user_id).limit(1)
    )
    if member is None:
        side = side_for_team(session, partnership, team_id, user_id)
        insert_once(
            session,
            Member.__table__,
            partnership_id=partnership.id,
            team_id=team_id,
            user_id=user_id,
            side=side,
            side_explicit=False,
            role="member",
            joined_at=now,
        )
        session.expire(partnership, ["members"])
        member = find_member(session, partnership, team_id, user_id)
    return member


def side_for_team(session: Session, partnership: Partnership, team_id: str, user_id: str) -> str:
    """The side of a team's people. The first team other than the installing one is the other company (taken
    once, under a condition, so two first sightings agree); any further team has none until a lead assigns it:
    NoSide, and nobody of it is made a member meanwhile."""
    side = partnership.side_of_team(team_id)
    if side is None and partnership.other_team_id is None and team_id:
        session.execute(
            update(Partnership)
            .where(Partnership.id == partnership.id, Partnership.other_team_id.is_(None))
            .values(other_team_id=team_id)
        )
        session.refresh(partnership, ["other_team_id"])
        side = partnership.side_of_team(team_id)
    if side is None:
        raise NoSide(team_id, user_id)
    return side


TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,31}")


def assign_team(
    session: Session, partnership: Partnership, actor: Member, *, team_id: str, side: str, now: datetime
) -> list[Member]:
    """A lead says which company a further team belongs to; its people who were on a side by their team follow.
    The installing team and the other company are fixed by setup. Returns the team's members."""
    lock_leads(session, partnership, actor)
    require_lead(actor, "say which company a team belongs to")
    if team_id in (partnership.home_team_id, partnership.other_team_id):
        fixed = partnership.side_of_team(team_id)
        raise UserError(f"Team `{team_id}` is the {partnership.org_of(fixed)} organisation itself ({fixed} side).")
    if not TEAM_ID.fullmatch(team_id):
        raise BadInput(f"`{team_id}` is not a Slack team id (they look like T0123ABCD).")
    assigned = session.get(TeamSide, (partnership.id, team_id))
    if assigned is None:
        session.add(TeamSide(partnership_id=partnership.id, team_id=team_id, side=side, assigned_by=actor.user_id,
                             assigned_at=now))  # fmt: skip
    else:
        assigned.side, assigned.assigned_by, assigned.assigned_at = side, actor.user_id, now
    session.flush()
    session.expire(partnership, ["team_sides"])
    team = [m for m in partnership.members if m.team_id == team_id]
    for member in team:
        if not member.side_explicit and member.side != side:
            keep_a_lead(session, partnership, member)
            member.side = side
    return team


def require_lead(member: Member, what: str) -> None:
    if member.role != "lead":
        raise NotALead(what)


Person = tuple[str | None, str | None]  # (team, user); (None, None) when nobody


def roles_toward(actor: Member, *, owner: Person, raiser: Person = (None, None)) -> set[str]:
    """What `actor` is to something owned (and perhaps raised) by someone: a lead, its owner, its raiser.
    Every "the owner, or a lead" permission is decided on these roles."""
    me = (actor.team_id, actor.user_id)
    return {
        role
        for role, holds in (("lead", actor.role == "lead"), ("owner", owner == me), ("raiser", raiser == me))
        if holds
    }


OWNER_OR_LEAD = frozenset({"owner", "lead"})


def is_owner_or_lead(actor: Member, owner: Person) -> bool:
    return bool(roles_toward(actor, owner=owner) & OWNER_OR_LEAD)


def create_partnership(
    session: Session,
    *,
    channel_id: str,
    settings: PartnershipSettings,
    home_team_id: str,
    created_by: str,
    now: datetime,
) -> Partnership:
    """A new partnership for the channel; whoever set it up leads their side."""
    if find_partnership(session, channel_id) is not None:
        raise UserError("This channel is already a partnership.", usage="/partner status")
    partnership = Partnership(
        channel_id=channel_id,
        home_team_id=home_team_id,
        created_by=created_by,
        created_at=now,
        feedback_weeks=2,
        feedback_anonymous=False,
        feedback_salt=secrets.token_hex(32),
        **settings.model_dump(),
    )
    partnership.feedback_next_open_at = first_working_morning(partnership, now)
    partnership.charter = Charter(escalation_targets=DEFAULT_TARGETS)
    session.add(partnership)
    session.flush()
    creator = ensure_member(session, partnership, team_id=home_team_id, user_id=created_by, now=now)
    creator.role = "lead"
    return partnership


def first_working_morning(partnership: Partnership, now: datetime) -> datetime:
    """10:00 local on the first business day of next week: when a new feedback cycle first asks."""
    return next_weekday_at(min(partnership.business_days), time(10, 0), partnership.timezone, now + timedelta(days=1))


def update_settings(session: Session, partnership: Partnership, actor: Member, settings: PartnershipSettings) -> None:
    require_lead(actor, "change the partnership's settings")
    for field, value in settings.model_dump().items():
        setattr(partnership, field, value)
    partnership.governance_unreachable_since = None  # the setup form just checked the bot can post there
    # Members whose side came from their team follow a change of which side this workspace is.
    for member in partnership.members:
        if not member.side_explicit:
            member.side = partnership.side_of_team(member.team_id) or member.side


def set_side(
    session: Session, partnership: Partnership, actor: Member, *, team_id: str, user_id: str, side: str, now: datetime
) -> Member:
    if side not in SIDES:
        raise UserError(f"'{side}' is not a side.", usage="/partner side @user client|vendor")
    lock_leads(session, partnership, actor)
    require_lead(actor, "change a member's side")
    member = ensure_member(session, partnership, team_id=team_id, user_id=user_id, now=now)
    if side != member.side:
        keep_a_lead(session, partnership, member)
    member.side = side
    member.side_explicit = True
    return member


def set_role(
    session: Session, partnership: Partnership, actor: Member, *, team_id: str, user_id: str, role: str, now: datetime
) -> Member:
    if role not in ROLES:
        raise UserError(f"'{role}' is not a role.", usage="/partner role @user lead|sponsor|member")
    lock_leads(session, partnership, actor)
    require_lead(actor, "change a member's role")
    member = ensure_member(session, partnership, team_id=team_id, user_id=user_id, now=now)
    if role != "lead":
        keep_a_lead(session, partnership, member)
    member.role = role
    return member


def lock_leads(session: Session, partnership: Partnership, actor: Member) -> None:
    """Take the partnership's lock before a change to who leads, and re-read the asker: two leads demoting
    each other at once then take turns, and the second finds it is no longer a lead. (PostgreSQL: a row lock;
    SQLite: every write transaction begins IMMEDIATE, so writers already take turns.)"""
    session.execute(select(Partnership.id).where(Partnership.id == partnership.id).with_for_update())
    session.refresh(actor)


def keep_a_lead(session: Session, partnership: Partnership, member: Member) -> None:
    """Refuse a change that takes the last lead of a side away (counted as committed, under the lock).

    A side that never had a lead (the other company before its people are named) is not held to this."""
    session.refresh(member)
    if member.role != "lead":
        return
    remaining = session.scalar(
        select(func.count())
        .select_from(Member)
        .where(
            Member.partnership_id == partnership.id,
            Member.side == member.side,
            Member.role == "lead",
            Member.id != member.id,
        )
    )
    if not remaining:
        raise LastLead(member.user_id, member.side)


def leads(partnership: Partnership, side: str | None = None) -> list[Member]:
    return [m for m in partnership.members if m.role == "lead" and (side is None or m.side == side)]


def sponsors(partnership: Partnership) -> list[Member]:
    """The people told when things go wrong over the team's heads (a missed target, a silent side)."""
    return [m for m in partnership.members if m.role == "sponsor"]


def members_by_side(partnership: Partnership) -> dict[str, list[Member]]:
    order = {role: index for index, role in enumerate(ROLES)}
    return {
        side: sorted((m for m in partnership.members if m.side == side), key=lambda m: (order[m.role], m.id))
        for side in SIDES
    }


def charter_fields(charter: Charter) -> CharterFields:
    return CharterFields(
        client_decisions=charter.client_decisions,
        vendor_decisions=charter.vendor_decisions,
        response_targets=charter.response_targets,
        update_rhythm=charter.update_rhythm,
        escalation_targets=charter.escalation_targets,
    )


def edit_charter(
    session: Session, partnership: Partnership, actor: Member, fields: CharterFields, now: datetime
) -> CharterEdit | None:
    """Apply a lead's edit and log what changed; an edit that changes nothing logs nothing."""
    require_lead(actor, "edit the charter")
    charter = partnership.charter
    before = charter_fields(charter).model_dump()
    after = fields.model_dump()
    changes = {name: {"from": before[name], "to": after[name]} for name in after if before[name] != after[name]}
    if not changes:
        return None
    for name in changes:
        setattr(charter, name, after[name])
    edit = CharterEdit(
        partnership_id=partnership.id, team_id=actor.team_id, user_id=actor.user_id, edited_at=now, changes=changes
    )
    session.add(edit)
    return edit


def last_charter_edit(session: Session, partnership: Partnership) -> CharterEdit | None:
    return session.scalar(
        select(CharterEdit).where(CharterEdit.partnership_id == partnership.id).order_by(*LATEST_EDIT_FIRST).limit(1)
    )


def last_charter_edit_read(gather: Gather, partnership: Partnership) -> Callable[[], CharterEdit | None]:
    """The last charter edit (a transient copy, for reading), in a gathered read."""
    found = gather.entities(
        CharterEdit,
        lambda p: select(CharterEdit).where(CharterEdit.partnership_id == p.pid).order_by(*LATEST_EDIT_FIRST),
        first=1,
        pid=partnership.id,
    )
    return lambda: next(iter(found.get()), None)


LATEST_EDIT_FIRST = (CharterEdit.edited_at.desc(), CharterEdit.id.desc())


def settings_from_form(values: dict) -> tuple[PartnershipSettings | None, dict[str, str]]:
    """The setup modal's values as settings, or {field: error} to show next to each input."""
    data = dict(values)
    data["business_days"] = [int(day) for day in data.get("business_days") or []]
    try:
        return PartnershipSettings(**data), {}
    except ValidationError as exc:
        return None, form_errors(exc)


def charter_from_form(values: dict) -> tuple[CharterFields | None, dict[str, str]]:
    """The charter modal's values (one input per severity and kind, e.g. `P1_ack`) as fields or errors."""
    texts = {
        name: (values.get(name) or "").strip()
        for name in ("client_decisions", "vendor_decisions", "response_targets", "update_rhythm")
    }
    targets = {severity: {kind: values.get(f"{severity}_{kind}") or "" for kind in KINDS} for severity in SEVERITIES}
    try:
        return CharterFields(escalation_targets=targets, **texts), {}
    except ValidationError as exc:
        errors = {}
        for error in exc.errors():  # a bad target is shown next to its own input
            if error["loc"][0] == "escalation_targets" and len(error["loc"]) == 3:
                severity, kind = error["loc"][1:]
                errors.setdefault(f"{severity}_{kind}", error["msg"].removeprefix("Value error, "))
        errors.update({field: text for field, text in form_errors(exc).items() if field != "escalation_targets"})
        return None, errors
