"""Actions: create, list, close. Status moves follow one table and each writes an audit row."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.actions.models import Action, ActionTransition
from bot.claims import schedule_send
from bot.errors import BadInput, UserError
from bot.gather import Gather
from bot.numbering import add_numbered, by_number
from bot.partnerships.models import Member, Partnership
from bot.partnerships.service import OWNER_OR_LEAD, roles_toward
from bot.workdays import local_instant

# (from, to) -> who may make the move: "lead" (any lead) or "owner" (the action's owner).
ALLOWED = {
    ("open", "done"): OWNER_OR_LEAD,
}


def create_action(
    session: Session,
    partnership: Partnership,
    *,
    title: str,
    due_date: date,
    source: str,
    created_by: str,
    now: datetime,
    owner: Member | None = None,
    source_key: str | None = None,
) -> Action:
    action = Action(
        partnership_id=partnership.id,
        title=title,
        due_date=due_date,
        source=source,
        source_key=source_key,
        owner_team=owner.team_id if owner else None,
        owner_user=owner.user_id if owner else None,
        status="open",
        created_by=created_by,
        created_at=now,
    )
    add_numbered(session, action)
    # Told to its owner once, on the morning after it falls due, if it is still open then.
    overdue_at = local_instant(due_date + timedelta(days=1), time(9, 0), partnership.timezone)
    schedule_send(
        session, key=f"action:{action.id}:overdue", kind="action_overdue", due_at=overdue_at, subject_id=action.id
    )
    return action


def open_actions(session: Session, partnership: Partnership) -> list[Action]:
    return list(
        session.scalars(
            select(Action)
            .where(Action.partnership_id == partnership.id, Action.status == "open")
            .order_by(Action.due_date, Action.number)
        )
    )


def open_counts_read(gather: Gather, partnership: Partnership, today: date) -> Callable[[], tuple[int, int]]:
    """How many actions are open, and how many of those are overdue on `today`: two counts of a gathered read."""
    opened = gather.scalar(
        lambda p: (
            select(func.count()).select_from(Action).where(Action.partnership_id == p.pid, Action.status == "open")
        ),
        pid=partnership.id,
    )
    overdue = gather.scalar(
        lambda p: (
            select(func.count())
            .select_from(Action)
            .where(Action.partnership_id == p.pid, Action.status == "open", Action.due_date < p.today)
        ),
        pid=partnership.id,
        today=today,
    )
    return lambda: (opened.get() or 0, overdue.get() or 0)


def find_action(session: Session, partnership: Partnership, number_text: str) -> Action:
    action = by_number(session, Action, partnership.id, number_text)
    if action is None:
        raise BadInput(f"There is no action {number_text} here; `/partner actions` lists them.")
    return action


def move(session: Session, action: Action, actor: Member, to_status: str, now: datetime, note: str = "") -> None:
    allowed = ALLOWED.get((action.status, to_status))
    if allowed is None:
        raise BadInput(f"Action {action.number} is already {action.status}.")
    if not roles_toward(actor, owner=(action.owner_team, action.owner_user)) & allowed:
        raise UserError(f"Only the action's owner or a lead can mark action {action.number} {to_status}.")
    session.add(
        ActionTransition(
            action_id=action.id,
            team_id=actor.team_id,
            user_id=actor.user_id,
            at=now,
            from_status=action.status,
            to_status=to_status,
            note=note,
        )
    )
    action.status = to_status
    if to_status == "done":
        action.done_at = now
