"""rhythm local time as a time column

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from datetime import time

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Converted row by row in Python: SQLite keeps a time as "HH:MM:SS.ffffff" text and PostgreSQL as a time,
# so no one SQL cast turns "09:30" into both. Each way adds the new column, fills it, drops the old one and
# takes its name (batch mode, so SQLite recreates the table where it cannot alter it).


def _convert(old: sa.Column, new: sa.Column, value) -> None:
    with op.batch_alter_table("rhythms") as batch_op:
        batch_op.add_column(sa.Column(new.name, new.type, nullable=True))
    rhythms = sa.table(
        "rhythms", sa.column("id", sa.Integer()), sa.column(old.name, old.type), sa.column(new.name, new.type)
    )
    connection = op.get_bind()
    for rhythm_id, before in connection.execute(sa.select(rhythms.c.id, rhythms.c[old.name])).all():
        connection.execute(rhythms.update().where(rhythms.c.id == rhythm_id).values({new.name: value(before)}))
    with op.batch_alter_table("rhythms") as batch_op:
        batch_op.drop_column(old.name)
        batch_op.alter_column(new.name, new_column_name=old.name, existing_type=new.type, nullable=False)


def upgrade() -> None:
    _convert(
        sa.Column("local_time", sa.String(length=5)),
        sa.Column("local_clock", sa.Time()),
        lambda text: time(*map(int, text.split(":"))),
    )


def downgrade() -> None:
    _convert(
        sa.Column("local_time", sa.Time()),
        sa.Column("local_text", sa.String(length=5)),
        lambda clock: clock.strftime("%H:%M"),
    )
