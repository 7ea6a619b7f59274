"""What automatic celebrations say in the channel."""

from __future__ import annotations

from bot.partnerships.models import Partnership
from bot.slack.text import escape, name_text


def streak_text(length: int) -> str:
    return f":fire: *{length} check-ins in a row* with everyone answering on time. Well done, both teams!"


def feedback_high_text(giver: str, about: str, score: float, cycle_number: int, previous_best: float) -> str:
    return (
        f":star2: *A new high*: {escape(giver)} rates {escape(about)} {score:.1f}/5 in feedback "
        f"cycle {cycle_number}, the best yet (previous best {previous_best:.1f})."
    )


def anniversary_text(partnership: Partnership, years: int, checkins: int, kudos: int) -> str:
    return (
        f":birthday: *{years} year{'s' if years > 1 else ''} of {name_text(partnership.name)}!* "
        f"{escape(partnership.client_org)} and {escape(partnership.vendor_org)} have shared {checkins} "
        f"check-ins and {kudos} kudos since {partnership.created_at.date().isoformat()}. Here's to the next."
    )


def no_p1_text(days: int) -> str:
    return f":shield: *{days} days without a P1 escalation.* Steady work on both sides."
