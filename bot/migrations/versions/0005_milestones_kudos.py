"""milestones, kudos, celebrations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kudos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("giver_team", sa.String(length=32), nullable=False),
        sa.Column("giver_user", sa.String(length=32), nullable=False),
        sa.Column("giver_side", sa.String(length=8), nullable=False),
        sa.Column("receiver_team", sa.String(length=32), nullable=False),
        sa.Column("receiver_user", sa.String(length=32), nullable=False),
        sa.Column("receiver_side", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("given_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_kudos_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos")),
    )
    with op.batch_alter_table("kudos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kudos_partnership_id"), ["partnership_id"], unique=False)

    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("owner_team", sa.String(length=32), nullable=True),
        sa.Column("owner_user", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_milestones_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("partnership_id", "number", name=op.f("uq_milestones_partnership_id_number")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestones_message_ts"), ["message_ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestones_partnership_id"), ["partnership_id"], unique=False)

    op.create_table(
        "milestone_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_moves_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_moves")),
    )
    with op.batch_alter_table("milestone_moves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_moves_milestone_id"), ["milestone_id"], unique=False)

    op.create_table(
        "milestone_thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestones.id"],
            name=op.f("fk_milestone_thanks_milestone_id_milestones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_thanks")),
        sa.UniqueConstraint("milestone_id", "user_id", name=op.f("uq_milestone_thanks_milestone_id_user_id")),
    )
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        # Existing partnerships start false: the scheduler owes them their celebrations on its next tick.
        batch_op.add_column(sa.Column("celebrations_planned", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(
            batch_op.f("ix_partnerships_celebrations_planned"), ["celebrations_planned"], unique=False
        )
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.alter_column("celebrations_planned", existing_type=sa.Boolean(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partnerships_celebrations_planned"))
        batch_op.drop_column("celebrations_planned")

    op.drop_table("milestone_thanks")
    with op.batch_alter_table("milestone_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_moves_milestone_id"))

    op.drop_table("milestone_moves")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_milestones_message_ts"))

    op.drop_table("milestones")
    with op.batch_alter_table("kudos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kudos_partnership_id"))

    op.drop_table("kudos")
