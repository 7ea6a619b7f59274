"""escalations and actions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_team", sa.String(length=32), nullable=True),
        sa.Column("owner_user", sa.String(length=32), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=120), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_actions_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint("partnership_id", "number", name=op.f("uq_actions_partnership_id_number")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_partnership_id"), ["partnership_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_source_key"), ["source_key"], unique=False)

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("severity", sa.String(length=2), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("raised_by_team", sa.String(length=32), nullable=False),
        sa.Column("raised_by_user", sa.String(length=32), nullable=False),
        sa.Column("owner_team", sa.String(length=32), nullable=True),
        sa.Column("owner_user", sa.String(length=32), nullable=True),
        sa.Column("raised_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ack_due_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolve_due_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ack_breached_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolve_breached_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("root_cause_category", sa.String(length=16), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("corrective_action", sa.Text(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["escalations.id"], name=op.f("fk_escalations_duplicate_of_id_escalations")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_escalations_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("partnership_id", "number", name=op.f("uq_escalations_partnership_id_number")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_category", ["partnership_id", "category", "raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalations_message_ts"), ["message_ts"], unique=False)

    op.create_table(
        "action_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("from_status", sa.String(length=8), nullable=False),
        sa.Column("to_status", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_action_transitions_action_id_actions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_transitions")),
    )
    with op.batch_alter_table("action_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_transitions_action_id"), ["action_id"], unique=False)

    op.create_table(
        "escalation_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("ack_due_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolve_due_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_transitions_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_transitions")),
    )
    with op.batch_alter_table("escalation_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_transitions_escalation_id"), ["escalation_id"], unique=False)

    op.create_table(
        "escalation_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_updates_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_updates")),
        sa.UniqueConstraint("escalation_id", "message_ts", name=op.f("uq_escalation_updates_escalation_id_message_ts")),
    )
    with op.batch_alter_table("escalation_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_updates_escalation_id"), ["escalation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalation_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_updates_escalation_id"))

    op.drop_table("escalation_updates")
    with op.batch_alter_table("escalation_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_transitions_escalation_id"))

    op.drop_table("escalation_transitions")
    with op.batch_alter_table("action_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_transitions_action_id"))

    op.drop_table("action_transitions")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalations_message_ts"))
        batch_op.drop_index("ix_escalations_category")

    op.drop_table("escalations")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_source_key"))
        batch_op.drop_index(batch_op.f("ix_actions_partnership_id"))

    op.drop_table("actions")
