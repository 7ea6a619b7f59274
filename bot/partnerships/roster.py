"""Who is in each channel, as far as Slack has told us: kept in step by join/leave events and refreshed
from the channel's member list at most once an hour. No Slack in here: callers bring what Slack said."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base, UTCDateTime, insert_once

# How long a member list from Slack is trusted before it is asked again (events keep it current meanwhile).
FRESH_FOR = timedelta(hours=1)


class RosterEntry(Base):
    """One person in one channel."""

    __tablename__ = "roster_entries"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RosterRefresh(Base):
    """When a channel's whole member list was last taken from Slack."""

    __tablename__ = "roster_refreshes"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())


def is_in_channel(session: Session, channel_id: str, user_id: str) -> bool:
    return (
        session.scalar(
            select(RosterEntry.user_id).where(RosterEntry.channel_id == channel_id, RosterEntry.user_id == user_id)
        )
        is not None
    )


def people_in_channel(session: Session, channel_id: str) -> set[str]:
    return set(session.scalars(select(RosterEntry.user_id).where(RosterEntry.channel_id == channel_id)))


def has_roster(session: Session, channel_id: str) -> bool:
    """Whether Slack ever gave us this channel's member list (else nobody can be told apart)."""
    return session.get(RosterRefresh, channel_id) is not None


def needs_refresh(session: Session, channel_id: str, now: datetime) -> bool:
    """True when the channel's member list was never taken from Slack, or was taken over an hour ago."""
    until = fresh_until(session, channel_id)
    return until is None or now > until


def fresh_until(session: Session, channel_id: str) -> datetime | None:
    """Until when the channel's member list is trusted (None: never taken from Slack)."""
    refreshed_at = session.scalar(select(RosterRefresh.refreshed_at).where(RosterRefresh.channel_id == channel_id))
    return None if refreshed_at is None else refreshed_at + FRESH_FOR


def replace_roster(session: Session, channel_id: str, user_ids, now: datetime) -> None:
    """The channel's whole member list, as Slack just gave it."""
    session.execute(delete(RosterEntry).where(RosterEntry.channel_id == channel_id))
    for user_id in sorted(set(user_ids)):
        insert_once(session, RosterEntry.__table__, channel_id=channel_id, user_id=user_id, seen_at=now)
    if insert_once(session, RosterRefresh.__table__, channel_id=channel_id, refreshed_at=now) is None:
        session.execute(update(RosterRefresh).where(RosterRefresh.channel_id == channel_id).values(refreshed_at=now))


def note_joined(session: Session, channel_id: str, user_id: str, now: datetime) -> None:
    insert_once(session, RosterEntry.__table__, channel_id=channel_id, user_id=user_id, seen_at=now)


def note_left(session: Session, channel_id: str, user_id: str, now: datetime) -> None:
    session.execute(delete(RosterEntry).where(RosterEntry.channel_id == channel_id, RosterEntry.user_id == user_id))
