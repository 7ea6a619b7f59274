"""The small numbers people type (`rhythm pause 2`, escalation #7, `action done 4`): per partnership."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import UserError

LARGEST_NUMBER = 2**31 - 1  # the database's integer; anything larger is not a number of ours
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: "²" and "①" are digits to str.isdigit, not to int()


def number_typed(text: str) -> int | None:
    """The number a person typed (1 to LARGEST_NUMBER, ASCII digits), or None when it is not one."""
    return int(text) if _DIGITS.fullmatch(text) and 1 <= int(text) <= LARGEST_NUMBER else None


def row_id(value) -> int:
    """The row a button stands for (the id the bot wrote into its value). Slack hands values back as written,
    so anything else is a stale or forged button: told as out of date, never looked up."""
    found = number_typed(value) if isinstance(value, str) else None
    if found is None:
        raise UserError("That button is out of date.")
    return found


def next_number(session: Session, model, partnership_id: int) -> int:
    latest = session.scalar(select(func.max(model.number)).where(model.partnership_id == partnership_id))
    return (latest or 0) + 1


def by_number(session: Session, model, partnership_id: int, text: int | str, *where):
    """The row numbered `text` (7, '7' or '#7') in the partnership, or None."""
    number = number_typed(str(text).strip().lstrip("#"))
    if number is None:
        return None
    return session.scalar(select(model).where(model.partnership_id == partnership_id, model.number == number, *where))


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
