"""A partnership as a screen that writes nothing reads it: a detached copy, from one gathered statement.

The ORM's load of a partnership with its members (a joined eager load, then an identity map of each row) cost
`/partner status` more than any area's lines. The copy is built the way gathered reads build their rows
(`bot.gather`): columns into fresh instances, no session. Every relationship of the copy is set (its members,
charter and team sides, and each of theirs back to it), because reading an unset relationship of a detached
instance would quietly give nothing instead of loading it. Changing a copy changes nothing in the database."""

from __future__ import annotations

from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot import logs
from bot.errors import NotSetUp
from bot.gather import Gather, Handle, gathered
from bot.partnerships.models import Charter, Member, Partnership, TeamSide


class CopyRead:
    """A copy's part of a gathered read: the copy once the statement ran, and what it was made from."""

    def __init__(self, handles: tuple[Handle, ...], finish: Callable[[], Partnership | None]) -> None:
        self._handles, self._finish = handles, finish

    def __call__(self) -> Partnership | None:
        return self._finish()

    def source(self) -> tuple:
        """The rows as fetched (the partnership's, its members', charter's and team sides'): two copies made from
        equal sources are equal in every column of every row."""
        return tuple(handle.fetched() for handle in self._handles)


def copy_read(gather: Gather, channel_id: str) -> CopyRead:
    """The channel's partnership with all its relationships, as part of a gathered read (None: not set up)."""
    found = gather.entities(
        Partnership,
        lambda p: select(Partnership).where(Partnership.channel_id == p.channel),
        first=1,
        channel=channel_id,
    )
    members = gather.entities(
        Member,
        lambda p: select(Member).join(Partnership).where(Partnership.channel_id == p.channel),
        sort=lambda member: member.id,  # the relationship's own order
        channel=channel_id,
    )
    charter = gather.entities(
        Charter,
        lambda p: select(Charter).join(Partnership).where(Partnership.channel_id == p.channel).order_by(Charter.id),
        first=1,
        channel=channel_id,
    )
    team_sides = gather.entities(
        TeamSide,
        lambda p: select(TeamSide).join(Partnership).where(Partnership.channel_id == p.channel),
        sort=lambda side: side.team_id,  # the relationship's own order
        channel=channel_id,
    )

    def finish() -> Partnership | None:
        if not (copies := found.get()):
            return None
        partnership = copies[0]
        logs.note(partnership=partnership.id, channel=partnership.channel_id)  # as a loaded partnership does
        people, charters = members.get(), charter.get()
        for member in people:
            set_committed_value(member, "partnership", partnership)
        for found_charter in charters:
            set_committed_value(found_charter, "partnership", partnership)
        set_committed_value(partnership, "members", people)
        set_committed_value(partnership, "charter", charters[0] if charters else None)
        set_committed_value(partnership, "team_sides", team_sides.get())
        return partnership

    return CopyRead((found, members, charter, team_sides), finish)


def require_copy(session: Session, channel_id: str) -> Partnership:
    """The channel's partnership as a detached copy with its relationships; NotSetUp without one."""
    partnership = gathered(session, lambda gather: copy_read(gather, channel_id))
    if partnership is None:
        raise NotSetUp()
    return partnership
