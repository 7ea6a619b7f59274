"""rhythms: check-ins, answers, blockers, holidays, scheduled sends

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.String(length=32), nullable=True),
        sa.Column("done_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_sends")),
        sa.UniqueConstraint("key", name=op.f("uq_scheduled_sends_key")),
    )
    with op.batch_alter_table("scheduled_sends", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_sends_due", ["status", "due_at"], unique=False)

    op.create_table(
        "holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_holidays_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
        sa.UniqueConstraint("partnership_id", "day", name=op.f("uq_holidays_partnership_id_day")),
    )
    op.create_table(
        "rhythms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("cadence", sa.String(length=40), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("day_of_month", sa.Integer(), nullable=True),
        sa.Column("anchor", sa.Date(), nullable=True),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("audience", sa.String(length=8), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("nudge_after_minutes", sa.Integer(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("removed_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_run_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_rhythms_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rhythms")),
        sa.UniqueConstraint("partnership_id", "number", name=op.f("uq_rhythms_partnership_id_number")),
    )
    with op.batch_alter_table("rhythms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rhythms_next_run_at"), ["next_run_at"], unique=False)

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rhythm_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_for", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("sent_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expected", sa.JSON(), nullable=False),
        sa.Column("away", sa.JSON(), nullable=False),
        sa.Column("summary_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_checkins_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rhythm_id"], ["rhythms.id"], name=op.f("fk_checkins_rhythm_id_rhythms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("rhythm_id", "scheduled_for", name=op.f("uq_checkins_rhythm_id_scheduled_for")),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkins_message_ts"), ["message_ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkins_partnership_id"), ["partnership_id"], unique=False)

    op.create_table(
        "checkin_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("answered_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("latency_seconds", sa.Integer(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("edited_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"], ["checkins.id"], name=op.f("fk_checkin_answers_checkin_id_checkins"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_answers")),
        sa.UniqueConstraint("checkin_id", "message_ts", name=op.f("uq_checkin_answers_checkin_id_message_ts")),
    )
    op.create_table(
        "blockers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raised_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cleared_by", sa.String(length=32), nullable=True),
        sa.Column("cleared_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["checkin_answers.id"],
            name=op.f("fk_blockers_answer_id_checkin_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_blockers_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blockers")),
        sa.UniqueConstraint("answer_id", name=op.f("uq_blockers_answer_id")),
    )
    with op.batch_alter_table("blockers", schema=None) as batch_op:
        batch_op.create_index("ix_blockers_open", ["partnership_id", "cleared_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("blockers", schema=None) as batch_op:
        batch_op.drop_index("ix_blockers_open")

    op.drop_table("blockers")
    op.drop_table("checkin_answers")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkins_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_checkins_message_ts"))

    op.drop_table("checkins")
    with op.batch_alter_table("rhythms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rhythms_next_run_at"))

    op.drop_table("rhythms")
    op.drop_table("holidays")
    with op.batch_alter_table("scheduled_sends", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_sends_due")

    op.drop_table("scheduled_sends")
