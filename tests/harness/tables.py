"""Every row of every table, to prove that a refused or failed request changed nothing anywhere."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Base


def snapshot(app) -> dict[str, list[tuple]]:
    """{table: its rows}, each table's rows sorted, for comparing the whole database before and after."""
    with app.runtime.db.engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def changes(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> dict[str, dict]:
    """The tables whose rows differ, with the rows gone and the rows new; {} when nothing changed."""
    return {
        name: {"gone": [r for r in rows if r not in after[name]], "new": [r for r in after[name] if r not in rows]}
        for name, rows in before.items()
        if rows != after[name]
    }
