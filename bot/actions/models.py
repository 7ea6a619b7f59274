"""Actions: follow-ups with an owner and a due date, made from feedback or escalations, so things land."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

if TYPE_CHECKING:
    from bot.partnerships.models import Partnership


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("partnership_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    partnership: Mapped[Partnership] = relationship()
    number: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    # No owner means the partnership's leads own it.
    owner_team: Mapped[str | None] = mapped_column(String(32))
    owner_user: Mapped[str | None] = mapped_column(String(32))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, done
    source: Mapped[str] = mapped_column(String(16))  # recurrence, feedback
    source_key: Mapped[str | None] = mapped_column(String(120), index=True)  # e.g. recurrence:quality
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ActionTransition(Base):
    """Every status change of an action: who, when, from, to. Only ever appended."""

    __tablename__ = "action_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_status: Mapped[str] = mapped_column(String(8))
    to_status: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
