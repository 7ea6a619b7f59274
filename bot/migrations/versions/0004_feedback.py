"""feedback cycles

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import secrets

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("opens_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("report_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_feedback_cycles_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_cycles")),
        sa.UniqueConstraint("partnership_id", "opens_at", name=op.f("uq_feedback_cycles_partnership_id_opens_at")),
    )
    with op.batch_alter_table("feedback_cycles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_cycles_partnership_id"), ["partnership_id"], unique=False)

    op.create_table(
        "feedback_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("giver_side", sa.String(length=8), nullable=False),
        sa.Column("giver_key", sa.String(length=64), nullable=False),
        sa.Column("giver_team", sa.String(length=32), nullable=True),
        sa.Column("giver_user", sa.String(length=32), nullable=True),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("communication", sa.Integer(), nullable=False),
        sa.Column("responsiveness", sa.Integer(), nullable=False),
        sa.Column("proactivity", sa.Integer(), nullable=False),
        sa.Column("recommend", sa.Integer(), nullable=False),
        sa.Column("given_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["feedback_cycles.id"],
            name=op.f("fk_feedback_responses_cycle_id_feedback_cycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_responses")),
        sa.UniqueConstraint("cycle_id", "giver_key", name=op.f("uq_feedback_responses_cycle_id_giver_key")),
    )
    op.create_table(
        "feedback_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("times_raised", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["feedback_cycles.id"],
            name=op.f("fk_feedback_points_cycle_id_feedback_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["feedback_responses.id"],
            name=op.f("fk_feedback_points_response_id_feedback_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_points")),
    )
    with op.batch_alter_table("feedback_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_points_cycle_id"), ["cycle_id"], unique=False)

    # Existing partnerships get the defaults and a salt of their own; their first cycle starts when a lead
    # sets cycles with /partner feedback cycle.
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_weeks", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(sa.Column("feedback_anonymous", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("feedback_next_open_at", bot.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("feedback_salt", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_partnerships_feedback_next_open_at"), ["feedback_next_open_at"], unique=False
        )
    connection = op.get_bind()
    for (partnership_id,) in connection.execute(sa.text("SELECT id FROM partnerships")).all():
        connection.execute(
            sa.text("UPDATE partnerships SET feedback_salt = :salt WHERE id = :id"),
            {"salt": secrets.token_hex(32), "id": partnership_id},
        )
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.alter_column("feedback_salt", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("feedback_weeks", existing_type=sa.Integer(), server_default=None)
        batch_op.alter_column("feedback_anonymous", existing_type=sa.Boolean(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partnerships_feedback_next_open_at"))
        batch_op.drop_column("feedback_salt")
        batch_op.drop_column("feedback_next_open_at")
        batch_op.drop_column("feedback_anonymous")
        batch_op.drop_column("feedback_weeks")

    with op.batch_alter_table("feedback_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_points_cycle_id"))

    op.drop_table("feedback_points")
    op.drop_table("feedback_responses")
    with op.batch_alter_table("feedback_cycles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_cycles_partnership_id"))

    op.drop_table("feedback_cycles")
