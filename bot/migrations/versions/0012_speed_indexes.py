"""speed indexes: the idle tick's reads and `/partner status` stay index lookups however large the tables

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Partial indexes hold only the rows a tick looks for, so SQLite's planner picks them as PostgreSQL's does
# (a plain index on a boolean it skips); their predicates are written as the queries are (`= false`).
DUE_RHYTHMS = sa.and_(sa.column("paused") == sa.false(), sa.column("removed_at").is_(None))
FEEDBACK_ON = sa.column("feedback_weeks") > 0
UNPLANNED = sa.column("celebrations_planned") == sa.false()

INDEXES = [
    ("ix_rhythms_due", "rhythms", ["next_run_at"], DUE_RHYTHMS),
    ("ix_partnerships_feedback_due", "partnerships", ["feedback_next_open_at"], FEEDBACK_ON),
    ("ix_partnerships_celebrations_unplanned", "partnerships", ["celebrations_planned"], UNPLANNED),
    ("ix_kudos_counts", "kudos", ["partnership_id", "giver_side", "receiver_side", "receiver_user"], None),
    ("ix_charter_edits_latest", "charter_edits", ["partnership_id", "edited_at"], None),
]


def upgrade() -> None:
    op.drop_index("ix_partnerships_celebrations_planned", table_name="partnerships")
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.create_index("ix_partnerships_celebrations_planned", "partnerships", ["celebrations_planned"])
