"""kudos window: status counts the last 90 days' kudos, so its index starts with the time they were given

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Covering: status's counts and the health score's kudos part read the window from the index alone.
COLUMNS = ["partnership_id", "given_at", "giver_side", "receiver_side", "receiver_user"]


def upgrade() -> None:
    op.drop_index("ix_kudos_counts", table_name="kudos")
    op.create_index("ix_kudos_recent", "kudos", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_kudos_recent", table_name="kudos")
    op.create_index("ix_kudos_counts", "kudos", ["partnership_id", "giver_side", "receiver_side", "receiver_user"])
