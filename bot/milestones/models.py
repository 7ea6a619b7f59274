"""Milestones: dated goals with an owner and a reschedule history; completing one is celebrated."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

if TYPE_CHECKING:
    from bot.partnerships.models import Partnership


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("partnership_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    partnership: Mapped[Partnership] = relationship()
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    planned_date: Mapped[date] = mapped_column(Date)  # the first due date, to say how it landed against plan
    owner_team: Mapped[str | None] = mapped_column(String(32))
    owner_user: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, done, removed
    message_ts: Mapped[str | None] = mapped_column(String(32), index=True)  # its thread collects thanks
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(32))

    moves: Mapped[list[MilestoneMove]] = relationship(order_by="MilestoneMove.id")


class MilestoneMove(Base):
    """A reschedule: from which date to which, who, when. Only ever appended."""

    __tablename__ = "milestone_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), index=True)
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date] = mapped_column(Date)
    user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class MilestoneThanks(Base):
    """Someone thanked (mentioned) in a reply in a milestone's thread: a contributor for its celebration. One
    row per reply that thanks them, so deleting or editing that reply takes back only its own thanks."""

    __tablename__ = "milestone_thanks"
    __table_args__ = (UniqueConstraint("milestone_id", "user_id", "message_ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))  # the reply; empty for thanks kept before 0016
