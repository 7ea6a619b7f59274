"""Feedback both ways: cycles, the answers of each side about the other, and the points made in them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

if TYPE_CHECKING:
    from bot.partnerships.models import Partnership

DIMENSIONS = ("quality", "communication", "responsiveness", "proactivity")
POINT_KINDS = {"working": "What's working", "change": "What should change", "self": "What we should do differently"}


class FeedbackCycle(Base):
    __tablename__ = "feedback_cycles"
    __table_args__ = (
        UniqueConstraint("partnership_id", "opens_at"),
        Index("ix_feedback_cycles_by_status", "partnership_id", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    partnership: Mapped[Partnership] = relationship()
    number: Mapped[int]
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    anonymous: Mapped[bool]  # fixed when the cycle opens, so changing the setting never unmasks answers
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, closed
    report_ts: Mapped[str | None] = mapped_column(String(32))

    responses: Mapped[list[FeedbackResponse]] = relationship(back_populates="cycle", order_by="FeedbackResponse.id")
    points: Mapped[list[FeedbackPoint]] = relationship(order_by="FeedbackPoint.id", viewonly=True)


class FeedbackResponse(Base):
    """One person's answer in a cycle. When the cycle is anonymous, who gave it is not stored: only a keyed
    hash that lets the same person replace their answer, which nobody can turn back into a name."""

    __tablename__ = "feedback_responses"
    __table_args__ = (UniqueConstraint("cycle_id", "giver_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("feedback_cycles.id", ondelete="CASCADE"))
    giver_side: Mapped[str] = mapped_column(String(8))
    giver_key: Mapped[str] = mapped_column(String(64))
    giver_team: Mapped[str | None] = mapped_column(String(32))
    giver_user: Mapped[str | None] = mapped_column(String(32))
    quality: Mapped[int]
    communication: Mapped[int]
    responsiveness: Mapped[int]
    proactivity: Mapped[int]
    recommend: Mapped[int]  # 0-10
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())

    cycle: Mapped[FeedbackCycle] = relationship(back_populates="responses")
    points: Mapped[list[FeedbackPoint]] = relationship(back_populates="response", cascade="all, delete-orphan")


class FeedbackPoint(Base):
    """A written point: what's working, what should change, what we should do differently."""

    __tablename__ = "feedback_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("feedback_cycles.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("feedback_responses.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(8))  # the side that made the point
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # Set at the cycle's close: 1 = new; N = the Nth cycle this point was raised in.
    times_raised: Mapped[int] = mapped_column(default=1)

    response: Mapped[FeedbackResponse] = relationship(back_populates="points")
    cycle: Mapped[FeedbackCycle] = relationship(viewonly=True)
