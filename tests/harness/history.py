"""Two years of a partnership's life written straight into the database, for tests and benches of what
reads history (status, lists): weekly check-ins with answers, fortnightly feedback, escalations, kudos."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from bot.db import Database
from bot.models import (
    Action,
    Answer,
    Blocker,
    Checkin,
    Escalation,
    FeedbackCycle,
    FeedbackResponse,
    Kudos,
    Milestone,
    Partnership,
    Rhythm,
)

PEOPLE = [("T_HOME", "ULEAD", "client"), ("T_HOME", "UHOME2", "client"), ("T_EXT", "UEXT1", "vendor")]
WEEKS = 104


def add_history(db: Database, channel_id: str, now: datetime, escalations: int = 300) -> None:
    start = now - timedelta(weeks=WEEKS)
    with db.session() as session:
        partnership = session.scalar(select(Partnership).where(Partnership.channel_id == channel_id))
        pid = partnership.id
        rhythm = Rhythm(
            partnership_id=pid, number=1, name="Weekly update", cadence="weekly", weekdays=[1],
            local_time=time(9), audience="both", people=[], questions=["What moved?", "Any blockers?"],
            window_minutes=24 * 60, nudge_after_minutes=None, next_run_at=now + timedelta(days=3),
            created_by="ULEAD", created_at=start,
        )  # fmt: skip
        session.add(rhythm)
        session.flush()
        expected = [{"team": team, "user": user} for team, user, _ in PEOPLE]
        for week in range(WEEKS):
            sent = start + timedelta(weeks=week)
            checkin = Checkin(
                rhythm_id=rhythm.id, partnership_id=pid, scheduled_for=sent, closes_at=sent + timedelta(days=1),
                status="sent", message_ts=f"{sent.timestamp():.6f}", sent_at=sent, expected=expected, away=[],
            )  # fmt: skip
            session.add(checkin)
            session.flush()
            for n, (team, user, _) in enumerate(PEOPLE):
                session.add(
                    Answer(
                        checkin_id=checkin.id,
                        team_id=team,
                        user_id=user,
                        text="Moved on. No blockers.",
                        source="thread",
                        message_ts=f"{sent.timestamp() + n + 1:.6f}",
                        answered_at=sent + timedelta(hours=n),
                        latency_seconds=3600 * n,
                        late=False,
                    )  # fmt: skip
                )
            if week % 2 == 0:
                cycle = FeedbackCycle(
                    partnership_id=pid, number=week // 2 + 1, opens_at=sent, closes_at=sent + timedelta(weeks=2),
                    anonymous=False, status="closed",
                )  # fmt: skip
                session.add(cycle)
                session.flush()
                for team, user, side in PEOPLE:
                    session.add(
                        FeedbackResponse(
                            cycle_id=cycle.id,
                            giver_side=side,
                            giver_key=f"{cycle.id}{user}",
                            giver_team=team,
                            giver_user=user,
                            quality=4,
                            communication=3,
                            responsiveness=5,
                            proactivity=4,
                            recommend=8,
                            given_at=sent,
                        )  # fmt: skip
                    )
        answer = session.scalars(select(Answer).join(Checkin).where(Checkin.partnership_id == pid).limit(1)).one()
        session.add(
            Blocker(
                partnership_id=pid,
                answer_id=answer.id,
                team_id=answer.team_id,
                user_id=answer.user_id,
                text="Waiting for VPN access",
                raised_at=answer.answered_at,
            )  # fmt: skip
        )
        step = (now - start) / escalations
        for n in range(escalations):
            raised = start + step * n
            done = n < escalations - 3
            session.add(
                Escalation(
                    partnership_id=pid,
                    number=n + 1,
                    title=f"Escalation {n + 1}",
                    severity=f"P{n % 4 + 1}",
                    category="quality",
                    description="What happened, at length. " * 40,
                    state="closed" if done else "open",
                    raised_by_team="T_HOME",
                    raised_by_user="ULEAD",
                    raised_at=raised,
                    acknowledged_at=raised + timedelta(hours=1) if done else None,
                    resolved_at=raised + timedelta(days=1) if done else None,
                    closed_at=raised + timedelta(days=2) if done else None,
                    ack_due_at=raised + timedelta(hours=4),
                    resolve_due_at=raised + timedelta(days=3),
                )  # fmt: skip
            )
        for n in range(WEEKS * 5):
            giver, receiver = PEOPLE[n % 3], PEOPLE[(n + 1) % 3]
            session.add(
                Kudos(
                    partnership_id=pid,
                    giver_team=giver[0],
                    giver_user=giver[1],
                    giver_side=giver[2],
                    receiver_team=receiver[0],
                    receiver_user=receiver[1],
                    receiver_side=receiver[2],
                    text="Thank you",
                    given_at=start + timedelta(days=n),
                )  # fmt: skip
            )
        for n in range(60):
            created = start + timedelta(weeks=n)
            session.add(
                Action(
                    partnership_id=pid,
                    number=n + 1,
                    title=f"Action {n + 1}",
                    owner_team="T_HOME",
                    owner_user="ULEAD",
                    due_date=(created + timedelta(weeks=2)).date(),
                    status="done" if n < 55 else "open",
                    source="feedback",
                    created_by="ULEAD",
                    created_at=created,
                )  # fmt: skip
            )
        for n in range(30):
            due = (start + timedelta(weeks=4 * n)).date()
            session.add(
                Milestone(
                    partnership_id=pid,
                    number=n + 1,
                    name=f"Milestone {n + 1}",
                    due_date=due,
                    planned_date=due,
                    status="done" if n < 25 else "open",
                    created_by="ULEAD",
                    created_at=start,
                )  # fmt: skip
            )
