"""next moments: each partnership's digest, appraisal and incentive review read by the tick only when due; App
Homes rechecked only when something they show changed or a moment they wait for came

Revision ID: 0016_next_moments
Revises: 0015
Create Date: 2026-12-02
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0016_next_moments"
down_revision = "0015"
branch_labels = None
depends_on = None

KINDS = ("digest", "appraisal", "incentive_review", "kpi_ask")  # bot.moments.RECOMPUTED
# bot.moments.EARLIEST: every existing partnership and Home is looked at once, a batch a tick, by the same rules
# the planners use, which then store the real moment.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
NEVER = datetime(9000, 1, 1, tzinfo=timezone.utc)  # bot.moments.NEVER


def upgrade() -> None:
    op.create_table(
        "next_moments",
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("due_at", bot.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_next_moments_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kind", "partnership_id", name=op.f("pk_next_moments")),
    )
    op.create_index("ix_next_moments_due", "next_moments", ["kind", "due_at"])
    at = sa.literal(EARLIEST, bot.db.UTCDateTime())
    moments = sa.table("next_moments", sa.column("kind"), sa.column("partnership_id"), sa.column("due_at"))
    partnerships = sa.table("partnerships", sa.column("id"))
    for kind in KINDS:
        op.execute(
            moments.insert().from_select(
                ["kind", "partnership_id", "due_at"], sa.select(sa.literal(kind), partnerships.c.id, at)
            )
        )
    # Celebrations are owed once: looked at first only where they have not been yet.
    never = sa.literal(NEVER, bot.db.UTCDateTime())
    planned = sa.table("partnerships", sa.column("id"), sa.column("celebrations_planned"))
    op.execute(
        moments.insert().from_select(
            ["kind", "partnership_id", "due_at"],
            sa.select(
                sa.literal("celebrations"),
                planned.c.id,
                sa.case((planned.c.celebrations_planned == sa.true(), never), else_=at),
            ),
        )
    )
    with op.batch_alter_table("home_views") as batch:
        batch.add_column(sa.Column("recheck_at", bot.db.UTCDateTime(), nullable=True))
    op.create_index(op.f("ix_home_views_recheck_at"), "home_views", ["recheck_at"])
    op.execute(sa.table("home_views", sa.column("recheck_at")).update().values(recheck_at=at))


def downgrade() -> None:
    op.drop_index("ix_home_views_recheck_at", table_name="home_views")
    with op.batch_alter_table("home_views") as batch:
        batch.drop_column("recheck_at")
    op.drop_index("ix_next_moments_due", table_name="next_moments")
    op.drop_table("next_moments")
