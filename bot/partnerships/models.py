"""A partnership is one shared channel; its members, sides, roles and written charter."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, column, event, false
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from bot.db import Base, UTCDateTime

SIDES = ("client", "vendor")
ROLES = ("lead", "sponsor", "member")


def other_side(side: str) -> str:
    return "vendor" if side == "client" else "client"


FEEDBACK_ON = column("feedback_weeks") > 0
UNPLANNED = column("celebrations_planned") == false()


class Partnership(Base):
    __tablename__ = "partnerships"
    # partial indexes of what the tick looks for: small, and chosen by SQLite too (migration 0012)
    __table_args__ = (
        Index(
            "ix_partnerships_feedback_due",
            "feedback_next_open_at",
            postgresql_where=FEEDBACK_ON,
            sqlite_where=FEEDBACK_ON,
        ),
        Index(
            "ix_partnerships_celebrations_unplanned",
            "celebrations_planned",
            postgresql_where=UNPLANNED,
            sqlite_where=UNPLANNED,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    client_org: Mapped[str] = mapped_column(String(150))
    vendor_org: Mapped[str] = mapped_column(String(150))
    # The workspace that installed the app, and which side it is. The first other team seen in the channel is
    # the other company (`other_team_id`); any further team (a channel shared by more than two organisations,
    # another workspace of an Enterprise Grid) has no side until a lead assigns it (`TeamSide`).
    home_team_id: Mapped[str] = mapped_column(String(32))
    home_side: Mapped[str] = mapped_column(String(8))
    other_team_id: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    # ISO weekday numbers (1 = Monday) on which the partnership works.
    business_days: Mapped[list[int]] = mapped_column(JSON)
    governance_channel_id: Mapped[str | None] = mapped_column(String(32))
    # Set when a post to the governance channel was refused for good (the bot was removed, the channel archived):
    # the leads are told once, and again only after a post there went through (or the setup changed it).
    governance_unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    card_ts: Mapped[str | None] = mapped_column(String(32))
    # Feedback cycles: every N weeks (0 = off), attributed or anonymous to the other side.
    feedback_weeks: Mapped[int] = mapped_column(default=2)
    feedback_anonymous: Mapped[bool] = mapped_column(default=False)
    feedback_next_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Keys anonymous answers (one per person per cycle) without storing who gave them.
    feedback_salt: Mapped[str] = mapped_column(String(64))
    # False until the scheduler has owed this partnership's automatic celebrations (anniversary, days without a P1).
    celebrations_planned: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    members: Mapped[list[Member]] = relationship(back_populates="partnership", order_by="Member.id")
    charter: Mapped[Charter] = relationship(back_populates="partnership", uselist=False)
    team_sides: Mapped[list[TeamSide]] = relationship(order_by="TeamSide.team_id")

    def org_of(self, side: str) -> str:
        return self.client_org if side == "client" else self.vendor_org

    def side_of_team(self, team_id: str) -> str | None:
        """The side a team's people are on; None for a further team no lead has assigned yet (the first other
        team becomes the other company in `bot.partnerships.service.side_for_team`)."""
        if team_id == self.home_team_id:
            return self.home_side
        if team_id == self.other_team_id:
            return other_side(self.home_side)
        return next((t.side for t in self.team_sides if t.team_id == team_id), None)


class TeamSide(Base):
    """A lead's answer to "which company is this team?" for a team beyond the first two."""

    __tablename__ = "team_sides"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    side: Mapped[str] = mapped_column(String(8))
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Member(Base):
    """A person in the partnership, keyed by (team, user) as Slack Connect requires."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("partnership_id", "team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    # True once a lead set the side by hand; otherwise it follows the person's home team.
    side_explicit: Mapped[bool] = mapped_column(default=False)
    role: Mapped[str] = mapped_column(String(8), default="member")
    ooo_from: Mapped[date | None] = mapped_column(Date)
    ooo_to: Mapped[date | None] = mapped_column(Date)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())

    partnership: Mapped[Partnership] = relationship(back_populates="members")

    @property
    def is_home(self) -> bool:
        return self.team_id == self.partnership.home_team_id


class Charter(Base):
    """The written expectations. Escalation targets drive timers, so they are structured."""

    __tablename__ = "charters"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), unique=True)
    client_decisions: Mapped[str] = mapped_column(Text, default="")
    vendor_decisions: Mapped[str] = mapped_column(Text, default="")
    response_targets: Mapped[str] = mapped_column(Text, default="")
    update_rhythm: Mapped[str] = mapped_column(Text, default="")
    # {"P1": {"ack": "30m", "resolve": "8h"}, ...}: see bot.partnerships.targets.
    escalation_targets: Mapped[dict] = mapped_column(JSON)
    # Governance: how often the council appraises the relationship and when it next meets (None: planned from
    # the setup date), and how often the digest goes out (bot.governance.models).
    appraisal_cadence: Mapped[str] = mapped_column(String(12), default="quarterly")
    next_appraisal_on: Mapped[date | None] = mapped_column(Date)
    digest_cadence: Mapped[str] = mapped_column(String(8), default="weekly")

    partnership: Mapped[Partnership] = relationship(back_populates="charter")


class CharterEdit(Base):
    """Who changed which charter field, when, from what to what. Only ever appended."""

    __tablename__ = "charter_edits"
    __table_args__ = (Index("ix_charter_edits_latest", "partnership_id", "edited_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changes: Mapped[dict] = mapped_column(JSON)


class Holiday(Base):
    """A partnership day off: no check-ins, and SLA clocks pause."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("partnership_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(100), default="")
    added_by: Mapped[str] = mapped_column(String(32))


@event.listens_for(Session, "after_flush")
def _note_changes_for_the_tick(session: Session, _context) -> None:
    """Whatever writes a partnership's settings or something that waits on its people tells the tick, in the same
    transaction: the planners then read only what is due instead of every row each tick. Registered here because
    every process that writes has this module loaded; the modules themselves are imported on first use."""
    from bot import moments
    from bot.governance import home_marks

    moments.look_again(session)
    home_marks.mark_changed(session)


@event.listens_for(Session, "before_commit")
def _store_next_moments(session: Session) -> None:
    """The planners' looks of this unit of work store their next moments, all at once (bot.moments.move)."""
    from bot import moments

    moments.store_moves(session)
