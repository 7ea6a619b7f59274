"""The small numbers people type (`rhythm pause 2`, escalation #7, `action done 4`): per partnership."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def next_number(session: Session, model, partnership_id: int) -> int:
    latest = session.scalar(select(func.max(model.number)).where(model.partnership_id == partnership_id))
    return (latest or 0) + 1


def by_number(session: Session, model, partnership_id: int, text: int | str, *where):
    """The row numbered `text` (7, '7' or '#7') in the partnership, or None."""
    digits = str(text).strip().lstrip("#")
    if not digits.isdigit():
        return None
    return session.scalar(
        select(model).where(model.partnership_id == partnership_id, model.number == int(digits), *where)
    )


def add_numbered(session: Session, row) -> None:
    """Add a row with the next number of its partnership. Two people adding at once on PostgreSQL both
    compute the same number; the unique (partnership, number) refuses one, which takes the next."""
    for attempt in range(5):
        row.number = next_number(session, type(row), row.partnership_id)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return
        except IntegrityError:
            if attempt == 4:
                raise
