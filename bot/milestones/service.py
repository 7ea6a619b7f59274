"""The rules of milestones: add, move (with history), remove, complete, and how one landed against plan."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.claims import schedule_send
from bot.errors import BadInput, UserError
from bot.gather import Gather, Handle
from bot.milestones.models import Milestone, MilestoneMove, MilestoneThanks
from bot.numbering import add_numbered, by_number
from bot.partnerships.models import Member, Partnership
from bot.partnerships.service import is_owner_or_lead
from bot.rhythms.models import Answer, Checkin
from bot.workdays import local_date, local_instant

REMINDERS = (("7d", -7), ("1d", -1), ("overdue", 1))  # days from the due date, at 09:00 local
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def add(
    session: Session,
    partnership: Partnership,
    actor: Member,
    *,
    name: str,
    due: date,
    owner: Member | None,
    now: datetime,
) -> Milestone:
    name = name.strip()
    if not name or len(name) > 200:
        raise BadInput("Give the milestone a name of up to 200 characters, in quotes.")
    if due < local_date(now, partnership.timezone):
        raise BadInput(f"{due.isoformat()} is already past.")
    milestone = Milestone(
        partnership_id=partnership.id,
        name=name,
        due_date=due,
        planned_date=due,
        status="open",
        created_by=actor.user_id,
        created_at=now,
        owner_team=owner.team_id if owner else None,
        owner_user=owner.user_id if owner else None,
    )
    add_numbered(session, milestone)
    owe_reminders(session, partnership, milestone, now)
    return milestone


def owe_reminders(session: Session, partnership: Partnership, milestone: Milestone, now: datetime) -> None:
    """Reminders 7 days and 1 day before, and an overdue notice the day after, keyed by the due date:
    a move owes new ones, and the old ones find the date changed and stay quiet."""
    for label, offset in REMINDERS:
        at = local_instant(milestone.due_date + timedelta(days=offset), time(9, 0), partnership.timezone)
        if at > now:
            schedule_send(
                session,
                key=f"milestone:{milestone.id}:{milestone.due_date.isoformat()}:{label}",
                kind="milestone_reminder",
                due_at=at,
                subject_id=milestone.id,
                payload={"due": milestone.due_date.isoformat(), "when": label},
            )


def find(session: Session, partnership: Partnership, number_text: str) -> Milestone:
    milestone = by_number(session, Milestone, partnership.id, number_text, Milestone.status != "removed")
    if milestone is None:
        raise BadInput(f"There is no milestone {number_text} here; `/partner milestone list` shows them.")
    return milestone


def open_milestones(session: Session, partnership: Partnership, limit: int | None = None) -> list[Milestone]:
    """Open milestones, soonest first."""
    return list(
        session.scalars(select(Milestone).where(*_open_of(partnership.id)).order_by(*SOONEST_FIRST).limit(limit))
    )


def next_milestones_read(gather: Gather, partnership: Partnership, count: int = 3) -> Handle[list[Milestone]]:
    """`/partner status`'s next few open milestones (transient copies, for reading), in a gathered read."""
    return gather.entities(
        Milestone,
        lambda p: select(Milestone).where(*_open_of(p.pid)).order_by(*SOONEST_FIRST).limit(p.count),
        first=count,
        sort=lambda m: (m.due_date, m.number),
        pid=partnership.id,
        count=count,
    )


SOONEST_FIRST = (Milestone.due_date, Milestone.number)


def _open_of(partnership_id) -> tuple:
    return Milestone.partnership_id == partnership_id, Milestone.status == "open"


def _owner_or_lead(milestone: Milestone, actor: Member, what: str) -> None:
    if not is_owner_or_lead(actor, (milestone.owner_team, milestone.owner_user)):
        raise UserError(f"Only the milestone's owner or a lead can {what} milestone {milestone.number}.")


def _still_open(milestone: Milestone) -> None:
    if milestone.status != "open":
        raise BadInput(f"Milestone {milestone.number} is already {milestone.status}.")


def move(
    session: Session, partnership: Partnership, milestone: Milestone, actor: Member, to: date, now: datetime
) -> None:
    _owner_or_lead(milestone, actor, "move")
    _still_open(milestone)
    if to == milestone.due_date:
        raise BadInput(f"Milestone {milestone.number} is already due {to.isoformat()}.")
    if to < local_date(now, partnership.timezone):
        raise BadInput(f"{to.isoformat()} is already past.")
    session.add(
        MilestoneMove(
            milestone_id=milestone.id, from_date=milestone.due_date, to_date=to, user_id=actor.user_id, at=now
        )
    )
    milestone.due_date = to
    owe_reminders(session, partnership, milestone, now)


def remove(milestone: Milestone, actor: Member) -> None:
    _owner_or_lead(milestone, actor, "remove")
    _still_open(milestone)
    milestone.status = "removed"


@dataclass(frozen=True)
class Landing:
    milestone: Milestone
    contributors: dict[str, list[str]]  # side -> user ids
    days_late: int  # against the first plan; negative is early
    moves: int


def complete(session: Session, partnership: Partnership, milestone: Milestone, actor: Member, now: datetime) -> Landing:
    _owner_or_lead(milestone, actor, "mark done")
    _still_open(milestone)
    milestone.status, milestone.done_at, milestone.done_by = "done", now, actor.user_id
    return Landing(
        milestone=milestone,
        contributors=contributors(session, partnership, milestone),
        days_late=(local_date(now, partnership.timezone) - milestone.planned_date).days,
        moves=len(milestone.moves),
    )


def contributors(session: Session, partnership: Partnership, milestone: Milestone) -> dict[str, list[str]]:
    """The owner, people who answered check-ins while it was in flight, and people thanked in its thread."""
    answered = session.execute(
        select(Answer.team_id, Answer.user_id)
        .join(Checkin, Checkin.id == Answer.checkin_id)
        .where(
            Checkin.partnership_id == partnership.id,
            Answer.answered_at >= milestone.created_at,
            Answer.answered_at <= milestone.done_at,
        )
    ).all()
    thanked = set(session.scalars(select(MilestoneThanks.user_id).where(MilestoneThanks.milestone_id == milestone.id)))
    people = {user for _, user in answered} | thanked
    if milestone.owner_user:
        people.add(milestone.owner_user)
    sides: dict[str, list[str]] = {"client": [], "vendor": []}
    for member in partnership.members:  # members know their side; order by when they joined
        if member.user_id in people:
            sides[member.side].append(member.user_id)
    return sides


def note_thanks(session: Session, milestone: Milestone, text: str, author: str, message_ts: str) -> list[str]:
    """People mentioned in a reply in the milestone's thread are thanked contributors (not the author)."""
    thanked = [user for user in dict.fromkeys(_MENTION.findall(text)) if user != author]
    for user in thanked:
        if not session.scalar(
            select(MilestoneThanks.id).where(
                MilestoneThanks.milestone_id == milestone.id,
                MilestoneThanks.user_id == user,
                MilestoneThanks.message_ts == message_ts,
            )
        ):
            session.add(MilestoneThanks(milestone_id=milestone.id, user_id=user, message_ts=message_ts))
    return thanked


def withdraw_thanks(session: Session, milestone: Milestone, message_ts: str) -> bool:
    """A reply deleted from the thread thanks nobody any more (another reply thanking the same person still
    does). False when that reply had thanked nobody."""
    return (
        session.execute(
            delete(MilestoneThanks).where(
                MilestoneThanks.milestone_id == milestone.id, MilestoneThanks.message_ts == message_ts
            )
        ).rowcount
        > 0
    )


def edit_thanks(session: Session, milestone: Milestone, text: str, author: str, message_ts: str) -> list[str]:
    """An edited reply thanks whom it mentions now."""
    withdraw_thanks(session, milestone, message_ts)
    session.flush()
    return note_thanks(session, milestone, text, author, message_ts)
