"""Escalation targets over time: a reminder before each target, and sponsors told when one is missed."""

from __future__ import annotations

from bot.claims import SendJob, schedule_send
from bot.escalations.blocks import escalation_message
from bot.escalations.lifecycle import ACTIVE
from bot.escalations.models import Escalation
from bot.partnerships import service as partnerships
from bot.partnerships.blocks import SEVERITY_NAMES
from bot.partnerships.models import Partnership
from bot.runtime import Runtime
from bot.slack.text import channel_link, escape, local_date, mention
from schedules.messages import tell

WORDS = {"ack": "acknowledge", "resolve": "resolve"}


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
        partnership = session.get(Partnership, escalation.partnership_id)
        people = partnerships.owner_or_leads(partnership, escalation.owner_team, escalation.owner_user)
        due = escalation.ack_due_at if job.payload["target"] == "ack" else escalation.resolve_due_at
        text = (
            f":alarm_clock: Escalation #{escalation.number} ({escalation.severity}, *{escape(escalation.title)}*) "
            f"in {channel_link(partnership.channel_id)} must be {WORDS[job.payload['target']]}d by "
            f"{local_date(due)}."
        )
        tell(
            session,
            key=job.key,
            due_at=job.due_at,
            partnership=partnership,
            people=people,
            text=text,
            thread_ts=escalation.message_ts,
        )
    return None


def breach(rt: Runtime, job: SendJob) -> str | None:
    now = rt.clock.now()
    with rt.db.session() as session:
        escalation = session.get(Escalation, job.subject_id)
        if escalation is None or not _still_pending(escalation, job):
            return "dropped"
        partnership = session.get(Partnership, escalation.partnership_id)
        target = job.payload["target"]
        if target == "ack":  # a retried breach keeps the moment it was first recorded
            escalation.ack_breached_at = escalation.ack_breached_at or now
        else:
            escalation.resolve_breached_at = escalation.resolve_breached_at or now
        sponsors = [m.user_id for m in partnership.members if m.role == "sponsor"]
        who = " ".join(mention(u) for u in sponsors) if sponsors else "No sponsors are set (`/partner role`)."
        what = (
            f"{SEVERITY_NAMES[escalation.severity]} escalation #{escalation.number} "
            f"*{escape(escalation.title)}* missed its {WORDS[target]} target"
        )
        schedule_send(
            session,
            key=f"{job.key}:thread",
            kind="post",
            due_at=job.due_at,
            subject_id=escalation.id,
            payload={
                "channel": partnership.channel_id,
                "thread_ts": escalation.message_ts,
                "text": f":red_circle: {what}. {who}",
            },
        )
        if partnership.governance_channel_id:
            schedule_send(
                session,
                key=f"{job.key}:governance",
                kind="post",
                due_at=job.due_at,
                subject_id=escalation.id,
                payload={
                    "channel": partnership.governance_channel_id,
                    "text": f":red_circle: {escape(partnership.name)}: {what} in "
                    f"{channel_link(partnership.channel_id)}.",
                },
            )
        text, blocks = escalation_message(partnership, escalation, now)
        channel, ts = partnership.channel_id, escalation.message_ts
    if ts:  # the message shows the miss from now on
        rt.gateway.update_message(channel=channel, ts=ts, text=text, blocks=blocks)
    return None


PERFORMERS = {"esc_reminder": remind, "esc_breach": breach}
