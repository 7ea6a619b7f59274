"""Once-only work: each Slack event and each scheduled send is claimed by a unique key first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base, UTCDateTime, insert_once


class ProcessedEvent(Base):
    """Slack retries events it thinks we missed; the event_id says whether we have seen one."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


def claim_event(session: Session, *, event_id: str, event_type: str, now: datetime) -> bool:
    """True for the first delivery of an event, False for every retry of it."""
    return insert_once(
        session, ProcessedEvent.__table__, event_id=event_id, event_type=event_type, received_at=now
    )
