"""The small numbers people type (`rhythm pause 2`, escalation #7, `action done 4`): per partnership."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def next_number(session: Session, model, partnership_id: int) -> int:
    latest = session.scalar(select(func.max(model.number)).where(model.partnership_id == partnership_id))
    return (latest or 0) + 1


def by_number(session: Session, model, partnership_id: int, text: str, *where):
    """The row numbered `text` ('7' or '#7') in the partnership, or None."""
    digits = text.strip().lstrip("#")
    if not digits.isdigit():
        return None
    return session.scalar(select(model).where(model.partnership_id == partnership_id, model.number == int(digits),
                                              *where))
