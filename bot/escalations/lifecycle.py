"""The escalation lifecycle in one table: which (from, to) moves exist and who may make them.

open → acknowledged → in progress (owner) → resolved → closed; reopen from resolved, closed or
duplicate; any open state may be resolved directly or marked a duplicate of another escalation. A lead of
either side may refer an open escalation to the governance council (dispute resolution); a council member
then records the council's decision, which returns it to in progress, resolved or closed. A referred
escalation is still active: its targets keep running (README, "Disputes go to the council")."""

from __future__ import annotations

STATES = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "closed": "Closed",
    "duplicate": "Duplicate",
    "referred": "Referred to council",
}
ACTIVE = ("open", "acknowledged", "in_progress", "referred")

RESPONSIBLE = frozenset({"lead", "owner", "raiser"})
CONFIRMERS = frozenset({"lead", "raiser"})  # closing confirms the fix: not for the owner alone
LEADS = frozenset({"lead"})
COUNCIL = frozenset({"council"})  # a member of the partnership's governance council (bot.governance)

ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("open", "acknowledged"): RESPONSIBLE,
    ("open", "in_progress"): RESPONSIBLE,
    ("acknowledged", "in_progress"): RESPONSIBLE,
    ("in_progress", "in_progress"): RESPONSIBLE,  # a new owner
    ("open", "resolved"): RESPONSIBLE,
    ("acknowledged", "resolved"): RESPONSIBLE,
    ("in_progress", "resolved"): RESPONSIBLE,
    ("resolved", "closed"): CONFIRMERS,
    ("resolved", "open"): RESPONSIBLE,
    ("closed", "open"): RESPONSIBLE,
    ("duplicate", "open"): RESPONSIBLE,
    ("open", "duplicate"): RESPONSIBLE,
    ("acknowledged", "duplicate"): RESPONSIBLE,
    ("in_progress", "duplicate"): RESPONSIBLE,
    ("open", "referred"): LEADS,
    ("acknowledged", "referred"): LEADS,
    ("in_progress", "referred"): LEADS,
    ("referred", "in_progress"): COUNCIL,
    ("referred", "resolved"): COUNCIL,
    ("referred", "closed"): COUNCIL,
}

ROLE_WORDS = {
    "lead": "leads",
    "owner": "the owner",
    "raiser": "the person who raised it",
    "council": "members of the governance council",
}


def who_text(roles: frozenset[str]) -> str:
    words = [ROLE_WORDS[role] for role in ROLE_WORDS if role in roles]
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]


def moves_from(state: str) -> set[str]:
    return {to for (source, to) in ALLOWED if source == state}
