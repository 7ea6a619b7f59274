"""Slack Connect details: each team's side written down (the other company, and teams a lead assigns), and
whether the governance channel refused the bot

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_sides",
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("assigned_by", sa.String(length=32), nullable=False),
        sa.Column("assigned_at", bot.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("partnership_id", "team_id"),
    )
    with op.batch_alter_table("partnerships") as batch:
        batch.add_column(sa.Column("other_team_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("governance_unreachable_since", bot.db.UTCDateTime(), nullable=True))
    # Partnerships already running: the other company is the first other team among their members.
    op.execute(
        """
        UPDATE partnerships SET other_team_id = (
            SELECT m.team_id FROM members m
            WHERE m.partnership_id = partnerships.id AND m.team_id != partnerships.home_team_id
            ORDER BY m.id LIMIT 1
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("partnerships") as batch:
        batch.drop_column("governance_unreachable_since")
        batch.drop_column("other_team_id")
    op.drop_table("team_sides")
