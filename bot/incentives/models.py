"""Incentives written down (what is paid for, each side's priority order) and the quarterly incentive review."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

if TYPE_CHECKING:
    from bot.partnerships.models import Partnership

PRIORITIES = {"quality": "Quality", "cost": "Cost", "speed": "Speed", "innovation": "Innovation"}
STILL_WANTED = {"yes": "Yes", "partly": "Partly", "no": "No"}


class IncentiveTerms(Base):
    """The charter's incentive terms: one row per partnership, changes logged with the charter's edits."""

    __tablename__ = "incentive_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), unique=True)
    paid_for: Mapped[str] = mapped_column(Text, default="")
    # Each side's order of quality, cost, speed and innovation, most important first; None until its leads set it.
    client_priorities: Mapped[list[str] | None] = mapped_column(JSON)
    vendor_priorities: Mapped[list[str] | None] = mapped_column(JSON)
    review_month: Mapped[int | None]  # 1-12: reviews in that month and every three months after; None: setup's


class IncentiveReview(Base):
    __tablename__ = "incentive_reviews"
    __table_args__ = (UniqueConstraint("partnership_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    partnership: Mapped[Partnership] = relationship()
    key: Mapped[str] = mapped_column(String(40))  # "2027-02" for the quarter's review, "run:…" for one run now
    opened_by: Mapped[str | None] = mapped_column(String(32))  # None when the quarter opened it
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The charter's terms when the review opened: what the answers are compared with.
    paid_for: Mapped[str] = mapped_column(Text, default="")
    client_priorities: Mapped[list[str] | None] = mapped_column(JSON)
    vendor_priorities: Mapped[list[str] | None] = mapped_column(JSON)

    answers: Mapped[list[IncentiveAnswer]] = relationship(order_by="IncentiveAnswer.id", back_populates="review")


class IncentiveAnswer(Base):
    __tablename__ = "incentive_answers"
    __table_args__ = (UniqueConstraint("review_id", "team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("incentive_reviews.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    still_wanted: Mapped[str] = mapped_column(String(8))  # yes, partly, no
    why: Mapped[str] = mapped_column(Text, default="")
    ranking: Mapped[list[str]] = mapped_column(JSON)
    unwanted_behaviour: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())

    review: Mapped[IncentiveReview] = relationship(back_populates="answers")
