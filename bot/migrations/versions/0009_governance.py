"""governance: council seats, appraisals and their answers, Home views; the charter's governance rhythm

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import bot.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _partnership_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["partnership_id"],
        ["partnerships.id"],
        name=op.f(f"fk_{table}_partnership_id_partnerships"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("charters") as batch_op:
        batch_op.add_column(
            sa.Column("appraisal_cadence", sa.String(length=12), nullable=False, server_default="quarterly")
        )
        batch_op.add_column(sa.Column("next_appraisal_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("digest_cadence", sa.String(length=8), nullable=False, server_default="weekly"))

    op.create_table(
        "council_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("seated", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("changed_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        _partnership_fk("council_seats"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_seats")),
        sa.UniqueConstraint("partnership_id", "user_id", name=op.f("uq_council_seats_partnership_id_user_id")),
    )
    op.create_table(
        "appraisals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("meeting_on", sa.Date(), nullable=False),
        sa.Column("period_start", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("preread_channel", sa.String(length=32), nullable=True),
        sa.Column("preread_ts", sa.String(length=32), nullable=True),
        sa.Column("tally_ts", sa.String(length=32), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_team", sa.String(length=32), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=True),
        sa.Column("recorded_at", bot.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        _partnership_fk("appraisals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisals")),
        sa.UniqueConstraint("partnership_id", "number", name=op.f("uq_appraisals_partnership_id_number")),
        sa.UniqueConstraint("partnership_id", "meeting_on", name=op.f("uq_appraisals_partnership_id_meeting_on")),
    )
    with op.batch_alter_table("appraisals") as batch_op:
        batch_op.create_index(batch_op.f("ix_appraisals_partnership_id"), ["partnership_id"], unique=False)
    op.create_table(
        "appraisal_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appraisal_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("delivery", sa.Integer(), nullable=False),
        sa.Column("relationship", sa.Integer(), nullable=False),
        sa.Column("incentives", sa.Integer(), nullable=False),
        sa.Column("communication", sa.Integer(), nullable=False),
        sa.Column("decide", sa.Text(), nullable=False),
        sa.Column("risk", sa.Text(), nullable=False),
        sa.Column("given_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appraisal_id"],
            ["appraisals.id"],
            name=op.f("fk_appraisal_answers_appraisal_id_appraisals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_answers")),
        sa.UniqueConstraint("appraisal_id", "user_id", name=op.f("uq_appraisal_answers_appraisal_id_user_id")),
    )
    op.create_table(
        "home_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_at", bot.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_views")),
        sa.UniqueConstraint("user_id", name=op.f("uq_home_views_user_id")),
    )


def downgrade() -> None:
    op.drop_table("home_views")
    op.drop_table("appraisal_answers")
    with op.batch_alter_table("appraisals") as batch_op:
        batch_op.drop_index(batch_op.f("ix_appraisals_partnership_id"))
    op.drop_table("appraisals")
    op.drop_table("council_seats")
    with op.batch_alter_table("charters") as batch_op:
        batch_op.drop_column("digest_cadence")
        batch_op.drop_column("next_appraisal_on")
        batch_op.drop_column("appraisal_cadence")
