"""Decisions: "here's what we're doing — tell us if we're not aligned", with an objection window."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

if TYPE_CHECKING:
    from bot.partnerships.models import Partnership


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("partnership_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    partnership: Mapped[Partnership] = relationship()
    number: Mapped[int]
    what: Mapped[str] = mapped_column(Text)
    why: Mapped[str] = mapped_column(Text, default="")
    # "within": within the author's side's decision scope; "agreement": needs the other side's agreement.
    scope: Mapped[str] = mapped_column(String(10))
    side: Mapped[str] = mapped_column(String(8))  # the author's side
    author_team: Mapped[str] = mapped_column(String(32))
    author_user: Mapped[str] = mapped_column(String(32))
    window_days: Mapped[int]  # business days
    state: Mapped[str] = mapped_column(String(10), index=True)
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    window_opened_at: Mapped[datetime] = mapped_column(UTCDateTime())  # an amendment opens the window again
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_ts: Mapped[str | None] = mapped_column(String(32), index=True)

    moves: Mapped[list[DecisionMove]] = relationship(order_by="DecisionMove.id", back_populates="decision")


class DecisionMove(Base):
    """Every change of a decision: who, when, what happened, from, to, why, and the text then. Never rewritten."""

    __tablename__ = "decision_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[str | None] = mapped_column(String(32))  # None when the window decided it
    user_id: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    event: Mapped[str] = mapped_column(String(10))
    from_state: Mapped[str | None] = mapped_column(String(10))
    to_state: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    what: Mapped[str] = mapped_column(Text)  # the decision's text at that moment, so amendments keep history

    decision: Mapped[Decision] = relationship(back_populates="moves")
