"""Drop the single-column indexes that lead a longer index or unique constraint of the same table

Without statistics (a table never analyzed) PostgreSQL's planner took `ix_kudos_partnership_id` over
`ix_kudos_recent` for the status's kudos of the last 90 days and filtered out every older kudos: the read grew
with all-time kudos. The longer index serves the partnership's lookups (and its foreign key) as well.

Revision ID: 0019_prefix_indexes
Revises: 0018_fanout
Create Date: 2026-12-02
"""

from alembic import op

revision = "0019_prefix_indexes"
down_revision = "0018_fanout"
branch_labels = None
depends_on = None

# (table, column): ix_<table>_<column> leads a longer index or a unique constraint of its table
PREFIXES = [
    ("actions", "partnership_id"),
    ("appraisals", "partnership_id"),
    ("checkins", "partnership_id"),
    ("decisions", "partnership_id"),
    ("escalation_updates", "escalation_id"),
    ("feedback_cycles", "partnership_id"),
    ("incentive_answers", "review_id"),
    ("incentive_reviews", "partnership_id"),
    ("kpis", "partnership_id"),
    ("kudos", "partnership_id"),
    ("milestones", "partnership_id"),
]


def upgrade() -> None:
    for table, column in PREFIXES:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, column in PREFIXES:
        op.create_index(f"ix_{table}_{column}", table, [column])
