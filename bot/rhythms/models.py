"""Rhythms (recurring check-ins), their occurrences, the answers, and the blockers named in them."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, Time, UniqueConstraint, and_, column, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UTCDateTime

if TYPE_CHECKING:
    from bot.partnerships.models import Partnership

AUDIENCES = ("vendor", "client", "both", "people")

DEFAULT_QUESTIONS = (
    "What moved since last time?",
    "What's next?",
    "Any risks or blockers?",
    "Anything you need from the other side?",
)


DUE = and_(column("paused") == false(), column("removed_at").is_(None))


class Rhythm(Base):
    __tablename__ = "rhythms"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number"),
        # the tick's due_rhythms: only rhythms that may come due are in it (migration 0012)
        Index("ix_rhythms_due", "next_run_at", postgresql_where=DUE, sqlite_where=DUE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    partnership: Mapped[Partnership] = relationship()
    number: Mapped[int]  # the N people type: numbered per partnership
    name: Mapped[str] = mapped_column(String(80))
    cadence: Mapped[str] = mapped_column(String(40))  # bot.rhythms.calendar.CADENCES
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    day_of_month: Mapped[int | None]
    anchor: Mapped[date | None] = mapped_column(Date)
    local_time: Mapped[time] = mapped_column(Time)  # wall-clock time in the partnership's timezone
    audience: Mapped[str] = mapped_column(String(8))
    people: Mapped[list[str]] = mapped_column(JSON, default=list)  # user ids when audience == "people"
    questions: Mapped[list[str]] = mapped_column(JSON)
    window_minutes: Mapped[int]
    nudge_after_minutes: Mapped[int | None]
    paused: Mapped[bool] = mapped_column(default=False)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The next occurrence not yet planned; the scheduler's index into due work.
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    checkins: Mapped[list[Checkin]] = relationship(back_populates="rhythm", order_by="Checkin.scheduled_for")

    @property
    def active(self) -> bool:
        return not self.paused and self.removed_at is None


class Checkin(Base):
    """One occurrence of a rhythm. The unique (rhythm, scheduled_for) pair is what makes it happen once."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("rhythm_id", "scheduled_for"),
        Index("ix_checkins_by_status", "partnership_id", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rhythm_id: Mapped[int] = mapped_column(ForeignKey("rhythms.id", ondelete="CASCADE"))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    partnership: Mapped[Partnership] = relationship()
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    manual: Mapped[bool] = mapped_column(default=False)
    # due -> sent; missed (due while we were down); skipped (its rhythm was paused or removed before it went out)
    status: Mapped[str] = mapped_column(String(8))
    message_ts: Mapped[str | None] = mapped_column(String(32), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who was asked, fixed when the check-in went out: [{"team": ..., "user": ...}].
    expected: Mapped[list[dict]] = mapped_column(JSON, default=list)
    away: Mapped[list[dict]] = mapped_column(JSON, default=list)  # asked-for people out of office then
    summary_ts: Mapped[str | None] = mapped_column(String(32))

    rhythm: Mapped[Rhythm] = relationship(back_populates="checkins")
    answers: Mapped[list[Answer]] = relationship(back_populates="checkin", order_by="Answer.answered_at")


class Answer(Base):
    __tablename__ = "checkin_answers"
    __table_args__ = (UniqueConstraint("checkin_id", "message_ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8))  # thread or modal
    message_ts: Mapped[str | None] = mapped_column(String(32))  # thread replies only; edits find it by this
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    latency_seconds: Mapped[int]
    late: Mapped[bool]
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    checkin: Mapped[Checkin] = relationship(back_populates="answers")


class Blocker(Base):
    """A blocker named in an answer; shown in /partner status until someone clears it."""

    __tablename__ = "blockers"
    __table_args__ = (Index("ix_blockers_open", "partnership_id", "cleared_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("checkin_answers.id", ondelete="CASCADE"), unique=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cleared_by: Mapped[str | None] = mapped_column(String(32))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
