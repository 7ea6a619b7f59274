"""The escalation lifecycle in one table: which (from, to) moves exist and who may make them.

open → acknowledged → in progress (owner) → resolved → closed; reopen from resolved, closed or
duplicate; any open state may be resolved directly or marked a duplicate of another escalation."""

from __future__ import annotations

STATES = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "closed": "Closed",
    "duplicate": "Duplicate",
}
ACTIVE = ("open", "acknowledged", "in_progress")

RESPONSIBLE = frozenset({"lead", "owner", "raiser"})
CONFIRMERS = frozenset({"lead", "raiser"})  # closing confirms the fix: not for the owner alone

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
}

ROLE_WORDS = {"lead": "leads", "owner": "the owner", "raiser": "the person who raised it"}


def who_text(roles: frozenset[str]) -> str:
    words = [ROLE_WORDS[role] for role in ("lead", "owner", "raiser") if role in roles]
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]


def moves_from(state: str) -> set[str]:
    return {to for (source, to) in ALLOWED if source == state}
