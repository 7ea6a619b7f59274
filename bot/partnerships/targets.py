"""Escalation targets as people write them: 30m, 8h, 2d (wall clock) or 5bd (business days)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator
from typing_extensions import TypedDict  # pydantic validates TypedDicts from typing_extensions before 3.12

SEVERITIES = ("P1", "P2", "P3", "P4")
KINDS = ("ack", "resolve")

DEFAULT_TARGETS: dict[str, dict[str, str]] = {
    "P1": {"ack": "30m", "resolve": "8h"},
    "P2": {"ack": "2h", "resolve": "2d"},
    "P3": {"ack": "1bd", "resolve": "5bd"},
    "P4": {"ack": "2bd", "resolve": "10bd"},
}

UNIT_WORDS = {"m": "min", "h": "h", "d": "days", "bd": "business days"}
_TARGET = re.compile(r"^\s*(\d{1,4})\s*(m|h|d|bd)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    amount: int
    unit: str  # m, h, d (wall clock) or bd (business days)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def describe(self) -> str:
        if self.amount == 1 and self.unit in ("d", "bd"):
            return "1 business day" if self.unit == "bd" else "1 day"
        return f"{self.amount} {UNIT_WORDS[self.unit]}"


def parse_target(text: str) -> Target:
    match = _TARGET.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"'{text}' is not a target: write a number and a unit, e.g. 30m, 8h, 2d or 5bd")
    return Target(int(match.group(1)), match.group(2).lower())


def normalised_target(text: str) -> str:
    return str(parse_target(text))


# The charter's targets as forms submit them: every severity and kind present, each a target people can
# read back ("30m"); pydantic reports each bad one at its own (severity, kind).
TargetText = Annotated[str, AfterValidator(normalised_target)]
SeverityTargets = TypedDict("SeverityTargets", {kind: TargetText for kind in KINDS})
EscalationTargets = TypedDict("EscalationTargets", {severity: SeverityTargets for severity in SEVERITIES})
