"""The partnership's data as a ZIP of CSV files, one per table, written row by row to a file (never the
whole partnership in memory). Times are UTC ISO 8601 with a local-time column beside each. Anonymous
feedback leaves no name and no key behind, and the partnership's anonymity salt is never exported."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from bot.actions.models import Action, ActionTransition
from bot.escalations.models import Escalation, EscalationUpdate, Transition
from bot.feedback.models import FeedbackCycle, FeedbackPoint, FeedbackResponse
from bot.governance.models import Appraisal, AppraisalAnswer, CouncilSeat
from bot.kudos.models import Kudos
from bot.milestones.models import Milestone, MilestoneMove, MilestoneThanks
from bot.partnerships.models import Charter, CharterEdit, Holiday, Member, Partnership
from bot.rhythms.models import Answer, Blocker, Checkin, Rhythm

# Columns never exported: the key that could link anonymous answers, and the secret it is made with.
WITHHELD = {"partnerships": {"feedback_salt"}, "feedback_responses": {"giver_key"}}
BATCH = 500


def _scopes(partnership_id: int) -> list[tuple[Table, object]]:
    """Each table and the condition that selects this partnership's rows (through its parent when it has none)."""
    own = [Member, Charter, CharterEdit, Holiday, Rhythm, Checkin, Blocker, Escalation, Action, FeedbackCycle,
           Milestone, Kudos, CouncilSeat, Appraisal]  # fmt: skip
    children = [
        (Answer, Answer.checkin_id, Checkin),
        (Transition, Transition.escalation_id, Escalation),
        (EscalationUpdate, EscalationUpdate.escalation_id, Escalation),
        (ActionTransition, ActionTransition.action_id, Action),
        (FeedbackResponse, FeedbackResponse.cycle_id, FeedbackCycle),
        (FeedbackPoint, FeedbackPoint.cycle_id, FeedbackCycle),
        (MilestoneMove, MilestoneMove.milestone_id, Milestone),
        (MilestoneThanks, MilestoneThanks.milestone_id, Milestone),
        (AppraisalAnswer, AppraisalAnswer.appraisal_id, Appraisal),
    ]
    scopes: list[tuple[Table, object]] = [(Partnership.__table__, Partnership.id == partnership_id)]
    scopes += [(model.__table__, model.partnership_id == partnership_id) for model in own]
    scopes += [
        (model.__table__, column.in_(select(parent.id).where(parent.partnership_id == partnership_id)))
        for model, column, parent in children
    ]
    return scopes


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def write_export(session: Session, partnership: Partnership, out: IO[bytes]) -> list[str]:
    """Write the ZIP to `out`; returns the CSV names in it."""
    zone = ZoneInfo(partnership.timezone)
    names = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table, where in _scopes(partnership.id):
            columns = [c for c in table.columns if c.name not in WITHHELD.get(table.name, set())]
            timed = {
                c.name for c in columns if getattr(c.type, "impl", None) is not None and "DateTime" in repr(c.type)
            }
            header = []
            for c in columns:
                header.append(c.name)
                if c.name in timed:
                    header.append(f"{c.name}_local")
            name = f"{table.name}.csv"
            with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                writer = csv.writer(text)
                writer.writerow(header)
                rows = session.execute(
                    select(*columns)
                    .where(where)
                    .order_by(*table.primary_key.columns)
                    .execution_options(yield_per=BATCH)
                )
                for row in rows:
                    cells = []
                    for column, value in zip(columns, row, strict=True):
                        cells.append(_cell(value))
                        if column.name in timed:
                            cells.append(value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z") if value else "")
                    writer.writerow(cells)
            names.append(name)
    return names
