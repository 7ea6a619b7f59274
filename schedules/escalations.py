"""Escalation targets over time: a reminder before each target, and sponsors told when one is missed."""

from __future__ import annotations

from bot.claims import SendJob, owe_post
from bot.escalations.blocks import breach_texts, escalation_message, reminder_text
from bot.escalations.lifecycle import ACTIVE
from bot.escalations.models import Escalation
from bot.partnerships import service as partnerships
from bot.runtime import Runtime
from bot.slack.governance_posts import owe_governance_post
from schedules.messages import tell


def _still_pending(escalation: Escalation, job: SendJob) -> bool:
    """The target this send is about is unmet and unchanged (a reopen moves it; a move may meet it)."""
    target = job.payload["target"]
    due = escalation.ack_due_at if target == "ack" else escalation.resolve_due_at
    if due.isoformat() != job.payload["due"] or escalation.state not in ACTIVE:
        return False
    return escalation.acknowledged_at is None if target == "ack" else True


def remind(rt: Runtime, job: SendJob) -> str | None:
    with rt.db.session() as session:
        escalation = session.get(Escalation, job.subject_id)
        if escalation is None or not _still_pending(escalation, job):
            return "dropped"
        partnership = escalation.partnership
        people = partnerships.owner_or_leads(partnership, escalation.owner_team, escalation.owner_user)
        target = job.payload["target"]
        due = escalation.ack_due_at if target == "ack" else escalation.resolve_due_at
        tell(
            session,
            key=job.key,
            due_at=job.due_at,
            partnership=partnership,
            people=people,
            text=reminder_text(partnership, escalation, target, due),
            thread_ts=escalation.message_ts,
        )
    return None


def breach(rt: Runtime, job: SendJob) -> str | None:
    now = rt.clock.now()
    with rt.db.session() as session:
        escalation = session.get(Escalation, job.subject_id)
        if escalation is None or not _still_pending(escalation, job):
            return "dropped"
        partnership = escalation.partnership
        target = job.payload["target"]
        if target == "ack":  # a retried breach keeps the moment it was first recorded
            escalation.ack_breached_at = escalation.ack_breached_at or now
        else:
            escalation.resolve_breached_at = escalation.resolve_breached_at or now
        sponsor_ids = [m.user_id for m in partnerships.sponsors(partnership)]
        in_thread, in_governance = breach_texts(partnership, escalation, target, sponsor_ids)
        owe_post(
            session,
            key=f"{job.key}:thread",
            due_at=job.due_at,
            subject_id=escalation.id,
            channel=partnership.channel_id,
            thread_ts=escalation.message_ts,
            text=in_thread,
        )
        if partnership.governance_channel_id:
            owe_governance_post(
                session,
                key=f"{job.key}:governance",
                due_at=job.due_at,
                subject_id=escalation.id,
                channel=partnership.governance_channel_id,
                text=in_governance,
            )
        text, blocks = escalation_message(partnership, escalation, now)
        channel, ts = partnership.channel_id, escalation.message_ts
    if ts:  # the message shows the miss from now on
        rt.gateway.update_message(channel=channel, ts=ts, text=text, blocks=blocks)
    return None


PERFORMERS = {"esc_reminder": remind, "esc_breach": breach}
