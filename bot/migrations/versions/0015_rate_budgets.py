"""Slack's rate limits paced together by every replica: one row per limit (a channel, a method's tier)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.Column("told", sa.Float(), nullable=False),
        sa.Column("answer", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_budgets")),
    )


def downgrade() -> None:
    op.drop_table("rate_budgets")
