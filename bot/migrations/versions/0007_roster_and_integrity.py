"""channel rosters

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_entries",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("seen_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "user_id", name=op.f("pk_roster_entries")),
    )
    op.create_table(
        "roster_refreshes",
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("refreshed_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_roster_refreshes")),
    )


def downgrade() -> None:
    op.drop_table("roster_refreshes")
    op.drop_table("roster_entries")
