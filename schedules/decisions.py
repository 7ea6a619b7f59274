"""Decision windows over time: decided by silence or expired at the end, a reminder halfway through a request
for agreement, and the leads told of an objection or a referral."""

from __future__ import annotations

from bot.claims import SendJob, owe_post
from bot.decisions import service as decisions
from bot.decisions.blocks import decision_message, objection_notice, referral_text, reminder_text, window_closed_text
from bot.decisions.models import Decision, DecisionMove
from bot.partnerships import service as partnerships
from bot.partnerships.models import other_side
from bot.runtime import Runtime
from bot.slack.governance_posts import owe_governance_post
from schedules.messages import tell


def close(rt: Runtime, job: SendJob) -> str | None:
    now = rt.clock.now()
    with rt.db.session() as session:
        decision = session.get(Decision, job.subject_id)
        event = decisions.close_window(session, decision, job.payload["closes_at"], now) if decision else None
        if event is None:
            return "dropped"
        partnership = decision.partnership
        owe_post(
            session,
            key=f"{job.key}:thread",
            due_at=job.due_at,
            subject_id=decision.id,
            channel=partnership.channel_id,
            thread_ts=decision.message_ts,
            text=window_closed_text(decision, event),
        )
        text, blocks = decision_message(partnership, decision)
        channel, ts = partnership.channel_id, decision.message_ts
    if ts:
        rt.gateway.update_message(channel=channel, ts=ts, text=text, blocks=blocks)
    return None


def remind(rt: Runtime, job: SendJob) -> str | None:
    """Halfway through a request for agreement, the other side's leads are reminded once."""
    with rt.db.session() as session:
        decision = session.get(Decision, job.subject_id)
        if decision is None or not decisions.still_awaiting(decision, job.payload["closes_at"]):
            return "dropped"
        partnership = decision.partnership
        people = [(m.team_id, m.user_id) for m in partnerships.leads(partnership, other_side(decision.side))]
        tell(
            session,
            key=job.key,
            due_at=job.due_at,
            partnership=partnership,
            people=people,
            text=reminder_text(partnership, decision),
            thread_ts=decision.message_ts,
        )
    return None


def objection(rt: Runtime, job: SendJob) -> str | None:
    """Both sides' leads hear that someone is not aligned."""
    with rt.db.session() as session:
        move = session.get(DecisionMove, job.subject_id)
        if move is None:
            return "dropped"
        decision = move.decision
        partnership = decision.partnership
        tell(
            session,
            key=job.key,
            due_at=job.due_at,
            partnership=partnership,
            people=[(m.team_id, m.user_id) for m in partnerships.leads(partnership)],
            text=objection_notice(partnership, decision, move),
            thread_ts=decision.message_ts,
        )
    return None


def referral(rt: Runtime, job: SendJob) -> str | None:
    """Until the governance council has its own place, a referral is told in the governance channel."""
    with rt.db.session() as session:
        move = session.get(DecisionMove, job.subject_id)
        if move is None or not move.decision.partnership.governance_channel_id:
            return "dropped"
        partnership = move.decision.partnership
        owe_governance_post(
            session,
            key=f"{job.key}:governance",
            due_at=job.due_at,
            subject_id=move.decision_id,
            channel=partnership.governance_channel_id,
            text=referral_text(partnership, move.decision, move),
        )
    return None


PERFORMERS = {
    "decision_close": close,
    "decision_remind": remind,
    "decision_objection": objection,
    "decision_referral": referral,
}
