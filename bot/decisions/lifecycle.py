"""The decision lifecycle in one table: which event moves which state where, and who may cause it.

Within the author's scope: open → decided when the window ends without objection; "Not aligned" moves it to
objected (open for discussion): the author may amend (the window opens again) or withdraw, a lead may refer it
to the council. Needing agreement: awaiting → agreed or declined by a lead of the other side, expired when the
window ends."""

from __future__ import annotations

from dataclasses import dataclass

STATES = {
    "open": "Open for objection",
    "objected": "Objected — under discussion",
    "awaiting": "Awaiting agreement",
    "decided": "Decided",
    "agreed": "Agreed",
    "declined": "Declined",
    "expired": "Expired undecided",
    "withdrawn": "Withdrawn",
    "referred": "Referred to the council",
}
ACTIVE = ("open", "objected", "awaiting", "referred")

# Who may cause an event: the author; anyone of the other side; a lead of the other side; any lead;
# the window itself (the scheduler, when it closes).
AUTHOR, OTHER_SIDE, OTHER_LEAD, LEAD, WINDOW = "author", "other_side", "other_lead", "lead", "window"


@dataclass(frozen=True)
class Move:
    to: str
    who: str


ALLOWED: dict[tuple[str, str], Move] = {
    ("open", "aligned"): Move("open", OTHER_SIDE),
    ("open", "objected"): Move("objected", OTHER_SIDE),
    ("open", "decided"): Move("decided", WINDOW),
    ("open", "amended"): Move("open", AUTHOR),
    ("objected", "amended"): Move("open", AUTHOR),
    ("awaiting", "amended"): Move("awaiting", AUTHOR),
    ("open", "withdrawn"): Move("withdrawn", AUTHOR),
    ("objected", "withdrawn"): Move("withdrawn", AUTHOR),
    ("awaiting", "withdrawn"): Move("withdrawn", AUTHOR),
    ("referred", "withdrawn"): Move("withdrawn", AUTHOR),
    ("objected", "referred"): Move("referred", LEAD),
    ("awaiting", "agreed"): Move("agreed", OTHER_LEAD),
    ("awaiting", "declined"): Move("declined", OTHER_LEAD),
    ("awaiting", "expired"): Move("expired", WINDOW),
}

EVENTS = {
    "shared": "shared",
    "aligned": "said aligned",
    "objected": "said not aligned",
    "decided": "decided (no objection in the window)",
    "amended": "amended",
    "withdrawn": "withdrew",
    "referred": "referred to the council",
    "agreed": "agreed",
    "declined": "declined",
    "expired": "expired undecided",
}


def events_from(state: str) -> set[str]:
    return {event for (source, event) in ALLOWED if source == state}
