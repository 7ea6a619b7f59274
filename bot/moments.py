"""When each partnership's recurring plans (the digest, the appraisal, the incentive review, the KPI asks) next need
a look.

A tick reads only the moments that have come, through an index, instead of every partnership's settings: the
planners compute the moment with the same rules as they act on, and store it after each look. A new partnership,
or a change to what a moment depends on (time zone, business days, holidays, cadences, the council's date, the
review month, its KPIs), puts its moments back to EARLIEST: looked at again on the next tick, a batch at a time.
No Slack."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import ColumnElement, ForeignKey, Index, String, bindparam, func, insert, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base, UTCDateTime

# Looked at again whenever what they are computed from changes.
RECOMPUTED = ("digest", "appraisal", "incentive_review", "kpi_ask")
# A new partnership's celebrations are owed once, at its first look (a positive row to find through the index,
# where `celebrations_planned = false` is left to the planner's statistics); its anniversaries then follow on.
KINDS = (*RECOMPUTED, "celebrations")
# "Look now": before any real moment, so a new or changed partnership comes first.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
# Nothing planned (digests off, no business day in sight): until a change of settings asks for a new look.
NEVER = datetime(9000, 1, 1, tzinfo=timezone.utc)

# What each kind of moment is computed from, table by table; a change to any of these fields asks for a new look.
WATCHED = {
    "partnerships": {"timezone": RECOMPUTED, "business_days": RECOMPUTED, "created_at": RECOMPUTED},
    "holidays": {"day": RECOMPUTED, "partnership_id": RECOMPUTED},
    "charters": {
        "digest_cadence": ("digest",),
        "appraisal_cadence": ("appraisal",),
        "next_appraisal_on": ("appraisal",),
    },
    "incentive_terms": {"review_month": ("incentive_review",)},
    "kpis": {name: ("kpi_ask",) for name in ("partnership_id", "reporting_side", "period", "created_at", "retired_at")},
}


class NextMoment(Base):
    __tablename__ = "next_moments"
    __table_args__ = (Index("ix_next_moments_due", "kind", "due_at"),)

    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())


def due(session: Session, kind: str, now: datetime, limit: int) -> list[tuple[int, datetime]]:
    """(partnership, moment) of the moments of `kind` that have come, oldest first, at most `limit`. What this
    session then changes of them asks for no further look: the look stores the moment computed after it."""
    found = [
        (partnership_id, at)
        for partnership_id, at in session.execute(
            select(NextMoment.partnership_id, NextMoment.due_at)
            .where(*_has_come(kind, now))
            .order_by(NextMoment.due_at, NextMoment.partnership_id)
            .limit(limit)
        )
    ]
    session.info.setdefault("looking", set()).update((kind, partnership_id) for partnership_id, _ in found)
    return found


def any_due(kind: str, now: datetime) -> ColumnElement[bool]:
    """Whether any moment of `kind` has come: the tick's probe. The earliest moment of a kind is the first entry of
    ix_next_moments_due under it, whatever the plan: an EXISTS over `due_at <= now` may be given a plan that scans
    the table when PostgreSQL keeps one plan for any `now` (a prepared statement)."""
    return select(func.min(NextMoment.due_at)).where(NextMoment.kind == kind).scalar_subquery() <= now


def _has_come(kind: str, now: datetime) -> tuple:
    return NextMoment.kind == kind, NextMoment.due_at <= now


def move(session: Session, kind: str, partnership_id: int, seen: datetime, to: datetime) -> None:
    """Store the next moment, unless the moment changed since it was read (`seen`): a change of settings that
    asked for a new look meanwhile wins, and the next tick looks again with the new settings.

    Stored when the session commits, all of its moves in one executemany (a catching-up tick moves hundreds),
    after the session's last flush: this look's own changes (which ask for a look) go first, so its moment is the
    last word."""
    session.info.setdefault("moves", []).append({"k": kind, "p": partnership_id, "seen": seen, "to": to})


_MOVE = (
    update(NextMoment.__table__)
    .where(
        NextMoment.kind == bindparam("k"),
        NextMoment.partnership_id == bindparam("p"),
        NextMoment.due_at == bindparam("seen", type_=UTCDateTime()),
    )
    .values(due_at=bindparam("to", type_=UTCDateTime()))
)


def store_moves(session: Session) -> None:
    """Before a commit: the moves of this session's looks, after whatever it still has to flush."""
    moves = session.info.pop("moves", None)
    if moves:
        session.flush()
        session.connection().execute(_MOVE, moves)


def look_again(session: Session) -> None:
    """After a flush: new partnerships get their moments, changed ones have theirs brought forward to EARLIEST.
    Runs inside the flush, on its connection, so it commits or rolls back with the change itself."""
    new, changed = set(), set()  # partnership ids; (kind, partnership id)
    added, dirty = session.new, session.dirty  # each computed anew on every access: once
    for obj in [*added, *session.deleted, *dirty]:
        table = obj.__table__.name
        if table == "partnerships" and obj in added:
            new.add(obj.id)
        elif table in WATCHED:
            fields = WATCHED[table]
            if obj in dirty:
                fields = {name: kinds for name, kinds in fields.items() if fields_changed(obj, (name,))}
            partnership_id = obj.id if table == "partnerships" else obj.partnership_id
            changed |= {(kind, partnership_id) for kinds in fields.values() for kind in kinds}
    changed -= session.info.get("looking", set())
    if new:
        rows = [{"kind": kind, "partnership_id": pid, "due_at": EARLIEST} for pid in sorted(new) for kind in KINDS]
        session.connection().execute(insert(NextMoment.__table__), rows)
    for kind in KINDS:
        ids = sorted(pid for k, pid in changed if k == kind and pid not in new)
        if ids:
            session.connection().execute(
                update(NextMoment.__table__)
                .where(NextMoment.kind == kind, NextMoment.partnership_id.in_(ids))
                .values(due_at=EARLIEST)
            )


def fields_changed(obj, fields: tuple[str, ...]) -> bool:
    """Any of these fields of a flushed object changed (its history is still there after the flush)."""
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields)
