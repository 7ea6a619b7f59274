"""An action still open the morning after its due date is told to its owner (or the leads), once."""

from __future__ import annotations

from bot.actions.blocks import overdue_text
from bot.actions.models import Action
from bot.claims import SendJob
from bot.partnerships import service as partnerships
from bot.runtime import Runtime
from schedules.messages import tell


def overdue(rt: Runtime, job: SendJob) -> str | None:
    with rt.db.session() as session:
        action = session.get(Action, job.subject_id)
        if action is None or action.status != "open":
            return "dropped"
        partnership = action.partnership
        people = partnerships.owner_or_leads(partnership, action.owner_team, action.owner_user)
        text = overdue_text(partnership, action)
        tell(session, key=job.key, due_at=job.due_at, partnership=partnership, people=people, text=text)
    return None


PERFORMERS = {"action_overdue": overdue}
