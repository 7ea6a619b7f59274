"""An event's claim is provisional until its work is done (processed_events.done_at); a milestone's thanks
remember the thread reply that gave them (milestone_thanks.message_ts), so deleting or editing it takes them back.

Revision ID: 0017_claims_done
Revises: 0016_next_moments
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db import UTCDateTime

revision = "0017_claims_done"
down_revision = "0016_next_moments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.add_column(sa.Column("done_at", UTCDateTime(), nullable=True))
    # Claims taken before this revision were of events whose work had run: they are done.
    op.execute("UPDATE processed_events SET done_at = received_at")
    with op.batch_alter_table("milestone_thanks") as batch:
        batch.add_column(sa.Column("message_ts", sa.String(length=32), nullable=True))
        batch.drop_constraint("uq_milestone_thanks_milestone_id_user_id", type_="unique")
        batch.create_unique_constraint(
            "uq_milestone_thanks_milestone_id_user_id_message_ts", ["milestone_id", "user_id", "message_ts"]
        )


def downgrade() -> None:
    with op.batch_alter_table("milestone_thanks") as batch:
        batch.drop_constraint("uq_milestone_thanks_milestone_id_user_id_message_ts", type_="unique")
        batch.drop_column("message_ts")
    # One row per person again (the reply-by-reply rows of a person collapse into their first).
    op.execute(
        "DELETE FROM milestone_thanks WHERE id NOT IN "
        "(SELECT MIN(id) FROM milestone_thanks GROUP BY milestone_id, user_id)"
    )
    with op.batch_alter_table("milestone_thanks") as batch:
        batch.create_unique_constraint("uq_milestone_thanks_milestone_id_user_id", ["milestone_id", "user_id"])
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_column("done_at")
