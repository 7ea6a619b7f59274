"""The partnership's health score: one pure function from the facts of a 90-day window to a score 0–100
made of named parts, each 0–100 with a weight. The README documents the formula (section "Health").

Why these weights: the rhythm (check-ins), problems (escalations) and how each side perceives the other
(feedback) are the three signals a governance council reads first, so they weigh 20 each. Follow-through
(overdue actions) and recognition across the line (kudos) weigh 15: they show whether the relationship
acts on what it learns. Feedback raised again weighs 10: it is a sharp signal, but a narrow one, and it
already pulls the feedback part down through the scores it comes with."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

WINDOW_DAYS = 90
TREND_DAYS = 30
NEUTRAL = 50.0  # a part with nothing to judge yet: neither good nor bad
OVERDUE_ESCALATION_PENALTY = 15  # points off the escalation part per open overdue escalation
REPEAT_PENALTY = 25  # points off per "what should change" point raised again
KUDOS_PER_DIRECTION = 6  # kudos each way in 90 days for full marks: about one a fortnight

WEIGHTS = {
    "checkins": 20,
    "escalations": 20,
    "feedback": 20,
    "actions": 15,
    "repeats": 10,
    "kudos": 15,
}


@dataclass(frozen=True)
class HealthFacts:
    """What the window held. Counts only: gathered by bot.governance.service, judged here."""

    checkins_expected: int = 0  # people asked in check-ins that closed in the window (out of office excluded)
    checkins_on_time: int = 0
    targets_due: int = 0  # acknowledge and resolve targets that fell due in the window
    targets_met: int = 0
    escalations_overdue: int = 0  # open and past a target at the end of the window
    # Each side's overall feedback score (1–5) in each cycle that closed in the window; None when that side was
    # silent. Directions hidden for anonymity are left out (they were answered, but cannot be shown).
    feedback_scores: tuple[float | None, ...] = ()
    actions_due: int = 0  # actions whose due date fell in the window, and older ones still open
    actions_overdue: int = 0  # open past their due date at the end of the window
    repeated_points: int = 0  # "what should change" points flagged raised again in the window
    kudos_client_to_vendor: int = 0
    kudos_vendor_to_client: int = 0


@dataclass(frozen=True)
class Part:
    key: str
    score: float  # 0-100
    weight: int
    facts: dict = field(default_factory=dict)  # the figures behind it, for blocks to word

    @property
    def shortfall(self) -> float:
        """How many points of the total this part costs."""
        return (100 - self.score) * self.weight / 100


@dataclass(frozen=True)
class Health:
    score: int
    parts: tuple[Part, ...]

    def pulling_down(self, count: int = 2) -> list[Part]:
        """The parts that cost the most points, worst first; none when nothing costs anything."""
        costly = [p for p in self.parts if p.shortfall > 0]
        return sorted(costly, key=lambda p: (-p.shortfall, list(WEIGHTS).index(p.key)))[:count]


def _ratio(good: int, total: int) -> float:
    return NEUTRAL if total <= 0 else 100 * good / total


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def parts_of(facts: HealthFacts) -> dict[str, float]:
    feedback = [0.0 if s is None else (s - 1) / 4 * 100 for s in facts.feedback_scores]
    targets = 100.0 if facts.targets_due == 0 else 100 * facts.targets_met / facts.targets_due
    # fmean: a float mean without statistics.mean's exact fractions (it costs a status several times more).
    kudos = statistics.fmean(
        min(count, KUDOS_PER_DIRECTION) / KUDOS_PER_DIRECTION * 100
        for count in (facts.kudos_client_to_vendor, facts.kudos_vendor_to_client)
    )
    return {
        "checkins": _ratio(facts.checkins_on_time, facts.checkins_expected),
        "escalations": _clamp(targets - OVERDUE_ESCALATION_PENALTY * facts.escalations_overdue),
        "feedback": statistics.fmean(feedback) if feedback else NEUTRAL,
        "actions": 100.0 if facts.actions_due == 0 else _clamp(100 * (1 - facts.actions_overdue / facts.actions_due)),
        "repeats": _clamp(100 - REPEAT_PENALTY * facts.repeated_points),
        "kudos": kudos,
    }


def health_score(facts: HealthFacts) -> Health:
    """The weighted mean of the parts, rounded to a whole point."""
    scores = parts_of(facts)
    parts = tuple(Part(key, round(scores[key], 1), weight, _facts_for(key, facts)) for key, weight in WEIGHTS.items())
    total = sum(p.score * p.weight for p in parts) / sum(WEIGHTS.values())
    return Health(score=round(total), parts=parts)


def _facts_for(key: str, facts: HealthFacts) -> dict:
    match key:
        case "checkins":
            return {"expected": facts.checkins_expected, "on_time": facts.checkins_on_time}
        case "escalations":
            return {"due": facts.targets_due, "met": facts.targets_met, "overdue": facts.escalations_overdue}
        case "feedback":
            given = [s for s in facts.feedback_scores if s is not None]
            return {
                "directions": len(facts.feedback_scores),
                "silent": sum(s is None for s in facts.feedback_scores),
                "average": round(statistics.fmean(given), 2) if given else None,
            }
        case "actions":
            return {"due": facts.actions_due, "overdue": facts.actions_overdue}
        case "repeats":
            return {"repeated": facts.repeated_points}
        case _:
            return {"client_to_vendor": facts.kudos_client_to_vendor, "vendor_to_client": facts.kudos_vendor_to_client}
