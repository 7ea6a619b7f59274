"""Which App Homes to look at again: a row that feeds someone's "waiting on you" changed, so the Homes of the
people it concerns are due for a recheck now (the Home-refresh planner reads only those, through an index).
What changes with time alone (a window closing, an action falling overdue) is the Home's own recheck moment,
stored when it is looked at (bot.governance.home). No Slack."""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.feedback.models import FeedbackCycle
from bot.governance.models import HomeView
from bot.kpis.models import Kpi
from bot.moments import EARLIEST, fields_changed
from bot.partnerships.models import Member

# A changed row of these tables may change what waits on any member of its partnership.
OF_PARTNERSHIP = {
    "checkins",
    "feedback_cycles",
    "actions",
    "escalations",
    "appraisals",
    "council_seats",
    "decisions",
    "kpis",
    "incentive_reviews",
    "members",
    "team_sides",
    "holidays",
    "charters",
    "incentive_terms",
}
# An answer changes what waits on the person who gave it only.
OF_PERSON = {"checkin_answers", "appraisal_answers", "incentive_answers"}
# What a partnership's own row holds that a Home's waiting list reads (its other fields change every tick).
PARTNERSHIP_FIELDS = ("timezone", "business_days", "home_team_id", "home_side", "other_team_id")


def mark_changed(session: Session) -> None:
    """After a flush: bring forward the recheck of every Home the flushed rows concern. One statement, only when
    such a row changed; runs on the flush's connection, so it commits or rolls back with the change."""
    partnerships, people, cycles, kpis = set(), set(), set(), set()
    added = session.new  # computed anew on every access: once
    touched = [*added, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    for obj in touched:
        table = obj.__table__.name
        if table in OF_PARTNERSHIP:
            partnerships.add(obj.partnership_id)
            if table == "members":  # one who left is no member any more, but their Home changed
                people.add(obj.user_id)
        elif table in OF_PERSON or (table == "decision_moves" and obj.user_id):
            people.add(obj.user_id)
        elif table == "decision_moves":  # the window decided: the decision itself changed too
            continue
        elif table == "feedback_responses":  # anonymous: who gave it is not known here
            cycles.add(obj.cycle_id)
        elif table == "kpi_actuals":
            kpis.add(obj.kpi_id)
        elif table == "partnerships" and obj not in added and fields_changed(obj, PARTNERSHIP_FIELDS):
            partnerships.add(obj.id)
    if not (partnerships or people or cycles or kpis):
        return
    concerned = select(Member.user_id).where(
        or_(
            Member.partnership_id.in_(sorted(partnerships)),
            Member.partnership_id.in_(select(FeedbackCycle.partnership_id).where(FeedbackCycle.id.in_(sorted(cycles)))),
            Member.partnership_id.in_(select(Kpi.partnership_id).where(Kpi.id.in_(sorted(kpis)))),
        )
    )
    session.connection().execute(
        update(HomeView.__table__)
        .where(
            or_(HomeView.user_id.in_(sorted(people)), HomeView.user_id.in_(concerned)),
            or_(HomeView.recheck_at.is_(None), HomeView.recheck_at > EARLIEST),
        )
        .values(recheck_at=EARLIEST)
    )
