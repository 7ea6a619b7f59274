"""A send given back while its post may still be on its way to Slack: when that post would have landed

Revision ID: 0018_fanout
Revises: 0017_claims_done
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0018_fanout"
down_revision = "0017_claims_done"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("scheduled_sends", sa.Column("landing_by", bot.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheduled_sends") as batch:
        batch.drop_column("landing_by")
