"""Kudos: recognition from one person to another, often across the company line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class Kudos(Base):
    __tablename__ = "kudos"
    # covers status's counts of the last 90 days and the health score's kudos: the window, never the texts
    __table_args__ = (
        Index("ix_kudos_recent", "partnership_id", "given_at", "giver_side", "receiver_side", "receiver_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    giver_team: Mapped[str] = mapped_column(String(32))
    giver_user: Mapped[str] = mapped_column(String(32))
    giver_side: Mapped[str] = mapped_column(String(8))
    receiver_team: Mapped[str] = mapped_column(String(32))
    receiver_user: Mapped[str] = mapped_column(String(32))
    receiver_side: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
