"""Governance: the council, the periodic appraisals and the answers to their forms, and whose Home tab
shows what (so it can be republished when what they wait on changes)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

APPRAISAL_CADENCES = {"monthly": 1, "quarterly": 3, "half_yearly": 6}  # months between meetings
DIGEST_CADENCES = ("weekly", "biweekly", "monthly", "off")
VERDICTS = {"on_track": "On track", "needs_attention": "Needs attention", "at_risk": "At risk"}
RATINGS = {
    "delivery": "Delivery",
    "relationship": "Relationship",
    "incentives": "Alignment of incentives",
    "communication": "Communication",
}


class CouncilSeat(Base):
    """A lead's change to the council: someone added (seated) or removed (not seated). Without a row, the
    leads and sponsors of both sides sit on the council by their role."""

    __tablename__ = "council_seats"
    __table_args__ = (UniqueConstraint("partnership_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    seated: Mapped[bool]
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Appraisal(Base):
    """One periodic relationship appraisal: its pre-read, the council's forms, and the recorded outcome."""

    __tablename__ = "appraisals"
    __table_args__ = (UniqueConstraint("partnership_id", "number"), UniqueConstraint("partnership_id", "meeting_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    number: Mapped[int]
    meeting_on: Mapped[date] = mapped_column(Date)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    preread_channel: Mapped[str | None] = mapped_column(String(32))
    preread_ts: Mapped[str | None] = mapped_column(String(32))
    tally_ts: Mapped[str | None] = mapped_column(String(32))  # the thread reply counting answers, kept up to date
    verdict: Mapped[str | None] = mapped_column(String(16))
    decisions: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"text", "action_number"}]
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_team: Mapped[str | None] = mapped_column(String(32))
    recorded_by: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    answers: Mapped[list[AppraisalAnswer]] = relationship(order_by="AppraisalAnswer.id", back_populates="appraisal")


class AppraisalAnswer(Base):
    """A council member's appraisal form. Attributed: this is governance, not anonymous feedback."""

    __tablename__ = "appraisal_answers"
    __table_args__ = (UniqueConstraint("appraisal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appraisal_id: Mapped[int] = mapped_column(ForeignKey("appraisals.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    delivery: Mapped[int]
    relationship: Mapped[int]
    incentives: Mapped[int]
    communication: Mapped[int]
    decide: Mapped[str] = mapped_column(Text, default="")
    risk: Mapped[str] = mapped_column(Text, default="")
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())

    appraisal: Mapped[Appraisal] = relationship(back_populates="answers")


class HomeView(Base):
    """Someone who opened the Home tab, and a fingerprint of what it showed them: when what they wait on
    changes, the scheduler republishes it (version counts the publications it owed)."""

    __tablename__ = "home_views"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the Home-refresh planner next looks at it: brought forward when something it shows changed
    # (bot.governance.home_marks), else when something it shows changes with time; None: nothing will.
    recheck_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
