"""speed: sends that may have posted are marked; the indexes status and the ticker ask for

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_checkins_by_status", "checkins", ["partnership_id", "status", "closes_at"]),
    ("ix_feedback_cycles_by_status", "feedback_cycles", ["partnership_id", "status", "closes_at"]),
    ("ix_escalations_raised", "escalations", ["partnership_id", "raised_at"]),
]


def upgrade() -> None:
    with op.batch_alter_table("scheduled_sends") as batch_op:
        batch_op.add_column(sa.Column("unsure", sa.Boolean(), nullable=False, server_default=sa.false()))
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("scheduled_sends") as batch_op:
        batch_op.drop_column("unsure")
