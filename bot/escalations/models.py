"""Escalations: a logged problem with severity, owner, targets, lifecycle and root cause."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

if TYPE_CHECKING:
    from bot.partnerships.models import Partnership

CATEGORIES = {
    "quality": "Quality",
    "timeliness": "Timeliness / SLA",
    "staffing": "Staffing",
    "communication": "Communication",
    "billing": "Billing",
    "compliance": "Compliance / security",
    "process": "Process",
    "other": "Other",
}
ROOT_CAUSES = {
    "people": "People / training",
    "process": "Process",
    "tooling": "Tooling / systems",
    "capacity": "Capacity / staffing",
    "communication": "Communication",
    "requirements": "Requirements / expectations",
    "third_party": "Third party",
    "other": "Other",
}


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number"),
        Index("ix_escalations_category", "partnership_id", "category", "raised_at"),
        Index("ix_escalations_raised", "partnership_id", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    partnership: Mapped[Partnership] = relationship()
    number: Mapped[int]  # the #N people see, per partnership
    title: Mapped[str] = mapped_column(String(150))
    severity: Mapped[str] = mapped_column(String(2))
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="open")
    raised_by_team: Mapped[str] = mapped_column(String(32))
    raised_by_user: Mapped[str] = mapped_column(String(32))
    owner_team: Mapped[str | None] = mapped_column(String(32))
    owner_user: Mapped[str | None] = mapped_column(String(32))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Targets, computed from the charter when raised (and the resolve target again on reopen).
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ack_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    root_cause_category: Mapped[str | None] = mapped_column(String(16))
    root_cause: Mapped[str | None] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    message_ts: Mapped[str | None] = mapped_column(String(32), index=True)

    transitions: Mapped[list[Transition]] = relationship(order_by="Transition.id", back_populates="escalation")


class Transition(Base):
    """One move of an escalation: who, when, from, to, note, and the targets then. Never rewritten."""

    __tablename__ = "escalation_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    from_state: Mapped[str | None] = mapped_column(String(12))  # None for the raise itself
    to_state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    escalation: Mapped[Escalation] = relationship(back_populates="transitions")


class EscalationUpdate(Base):
    """The timeline: thread replies under the escalation and notes added with 'Add update'."""

    __tablename__ = "escalation_updates"
    __table_args__ = (UniqueConstraint("escalation_id", "message_ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
