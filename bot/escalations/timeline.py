"""An escalation's timeline: thread replies under it and notes added with 'Add update', following the
replies as they are edited and deleted in Slack."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from bot.escalations.models import Escalation, EscalationUpdate


def add_update(
    session: Session,
    escalation: Escalation,
    *,
    team_id: str,
    user_id: str,
    text: str,
    now: datetime,
    message_ts: str | None = None,
) -> EscalationUpdate | None:
    if message_ts and session.scalar(
        select(EscalationUpdate.id).where(
            EscalationUpdate.escalation_id == escalation.id, EscalationUpdate.message_ts == message_ts
        )
    ):
        return None
    update = EscalationUpdate(
        escalation_id=escalation.id, team_id=team_id, user_id=user_id, text=text, message_ts=message_ts, at=now
    )
    session.add(update)
    return update


def edit_update(session: Session, escalation: Escalation, message_ts: str, text: str) -> bool:
    """A thread reply edited in Slack: the timeline says what it says now. False when it was no update."""
    return (
        session.execute(
            sql_update(EscalationUpdate)
            .where(EscalationUpdate.escalation_id == escalation.id, EscalationUpdate.message_ts == message_ts)
            .values(text=text)
        ).rowcount
        > 0
    )


def withdraw_update(session: Session, escalation: Escalation, message_ts: str) -> bool:
    """A thread reply deleted in Slack leaves the timeline. False when it was no update."""
    return (
        session.execute(
            delete(EscalationUpdate).where(
                EscalationUpdate.escalation_id == escalation.id, EscalationUpdate.message_ts == message_ts
            )
        ).rowcount
        > 0
    )
