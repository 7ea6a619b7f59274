"""The plan a database keeps for a statement the app runs again and again.

psycopg prepares a statement on the server once it has run a few times, and PostgreSQL then plans it once for
any parameters (a generic plan) when that looks no dearer than planning each run. A generic plan cannot see that
`due <= now` matches nothing, so a read that is cheap with its parameters may scan a whole table as prepared.
This prepares a statement as SQLAlchemy sent it and explains the plan PostgreSQL would keep. SQLite plans a
statement when it is prepared, without looking at its parameters: its plan is EXPLAIN QUERY PLAN's."""

from __future__ import annotations

import re
from typing import Any

from psycopg import sql

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def generic_plan(engine, statement: str, parameters: dict[str, Any]) -> list[str]:
    """The lines of EXPLAIN for `statement` (psycopg's %(name)s style) prepared and planned generically."""
    numbers: dict[str, int] = {}

    def number(match: re.Match) -> str:
        return f"${numbers.setdefault(match.group(1), len(numbers) + 1)}"

    prepared = PLACEHOLDER.sub(number, statement).replace("%%", "%")
    raw = engine.raw_connection()
    try:
        psycopg_connection = raw.dbapi_connection  # statements without parameters: % is taken as written
        values = sql.SQL(", ").join(sql.Literal(parameters[name]) for name in numbers).as_string(psycopg_connection)
        psycopg_connection.execute("SET plan_cache_mode = force_generic_plan")
        psycopg_connection.execute(f"PREPARE planned AS {prepared}")
        try:
            explain = f"EXPLAIN EXECUTE planned({values})" if numbers else "EXPLAIN EXECUTE planned"
            return [row[0] for row in psycopg_connection.execute(explain)]
        finally:
            psycopg_connection.execute("DEALLOCATE planned")
            psycopg_connection.execute("RESET plan_cache_mode")
    finally:
        raw.invalidate()  # never back to the pool with our settings or a failed transaction


def kept_plan(engine, statement: str, parameters) -> list[str]:
    """The plan the database keeps for a statement as the app sends it (the generic plan, on PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        return generic_plan(engine, statement, parameters)
    with engine.connect() as connection:
        return [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]


def sequential_scans(plan: list[str]) -> list[str]:
    """The tables the plan reads from end to end (PostgreSQL's Seq Scan, SQLite's SCAN without an index)."""
    scans = [re.search(r"Seq Scan on (\w+)", line) or re.fullmatch(r"SCAN (\w+)", line.strip()) for line in plan]
    return [scan.group(1) for scan in scans if scan]
