"""An event's claim is provisional until its work is done: processed_events.done_at.

Revision ID: 0016_claims_done
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db import UTCDateTime

revision = "0016_claims_done"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.add_column(sa.Column("done_at", UTCDateTime(), nullable=True))
    # Claims taken before this revision were of events whose work had run: they are done.
    op.execute("UPDATE processed_events SET done_at = received_at")


def downgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_column("done_at")
