"""A statement compiled once per database and handed to its driver as is.

On every `execute`, SQLAlchemy looks the statement's compiled form up by its cache key: it hashes and compares
a nested tuple as large as the statement. It then builds the parameters and the result's processing afresh. For
a screen's gathered statement (one SELECT of dozens of subqueries, run on every `/partner status`), that costs
more than SQLite takes to run it, and about a third of what PostgreSQL takes.

A `Precompiled` statement is compiled once per dialect. Each run builds only its parameters: the expansion of IN
lists by SQLAlchemy's `construct_expanded_state`, then each value through its type's bind processor for the
dialect, as SQLAlchemy's own execution does. The SQL goes
through `exec_driver_sql`, so engine events, error wrapping (an outage is still an `OperationalError`) and
psycopg's preparation of repeated statements work as for any other. The row comes back converted by each
column type's own result processor, the same values `session.execute` would give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping
from weakref import WeakKeyDictionary

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Fixed:
    sql: str
    positions: tuple[str, ...] | None  # the order of positional parameters (None: by name)
    keys: set[str]  # the names of the values given
    processors: Mapping[str, Callable[[Any], Any]]
    constants: dict[str, Any]  # every other parameter, processed


class _ForDialect:
    def __init__(self, statement: Select, dialect: Dialect) -> None:
        self.dialect = dialect
        self.compiled: SQLCompiler = statement.compile(dialect=dialect)  # type: ignore[assignment]
        self.types = [column.type.dialect_impl(dialect) for column in statement.selected_columns]
        # Each parameter's bind processor (a timestamp into SQLite's text, say), by name as SQLAlchemy keeps them;
        # the expanded parameters of IN lists add theirs at each expansion.
        self.processors: dict[str, Callable[[Any], Any]] = {}
        for bind, name in self.compiled.bind_names.items():
            if bind not in self.compiled.literal_execute_params:
                process = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    self.processors[name] = process
        self.converters: list[Callable[[Any], Any] | None] | None = None  # known from the first run's cursor
        self.fixed: _Fixed | None = None  # known from the first run, when the values given do not change the SQL

    def parameters(self, values: dict):
        """The SQL and the driver's parameters for these values. Expanding IN lists of constants expand the same way
        every time: their expansion and processed values are kept, and later runs only process the values given."""
        fixed = self.fixed
        if fixed is not None and fixed.keys == values.keys():
            processors, parameters = fixed.processors, dict(fixed.constants)
            for key, value in values.items():
                parameters[key] = processors[key](value) if key in processors else value
            return fixed.sql, parameters if fixed.positions is None else tuple(
                map(parameters.__getitem__, fixed.positions)
            )
        state = self.compiled.construct_expanded_state(values)
        processors = {**self.processors, **state.processors}
        parameters = {
            key: processors[key](value) if key in processors else value for key, value in state.parameters.items()
        }
        if values.keys() <= state.parameters.keys() and not values.keys() & state.parameter_expansion.keys():
            constants = {key: value for key, value in parameters.items() if key not in values}
            self.fixed = _Fixed(state.statement, state.positiontup, set(values), processors, constants)
        if state.positiontup is None:
            return state.statement, parameters
        return state.statement, tuple(parameters[key] for key in state.positiontup)

    def convert(self, cursor_description, row) -> tuple:
        if self.converters is None:
            self.converters = [
                kind.result_processor(self.dialect, described[1])
                for kind, described in zip(self.types, cursor_description, strict=True)
            ]
        return tuple(
            value if convert is None else convert(value) for convert, value in zip(self.converters, row, strict=True)
        )


class Precompiled:
    """One SELECT, compiled once for each dialect it runs on; `one` returns its single row."""

    def __init__(self, statement: Select) -> None:
        self._statement = statement
        self._by_dialect: WeakKeyDictionary[Dialect, _ForDialect] = WeakKeyDictionary()  # engines come and go

    def one(self, session: Session, values: dict) -> tuple:
        if session.autoflush:
            session.flush()  # what `session.execute` would do first: the read sees the session's own changes
        connection = session.connection()
        prepared = self._by_dialect.get(connection.dialect)
        if prepared is None:
            prepared = self._by_dialect[connection.dialect] = _ForDialect(self._statement, connection.dialect)
        sql, parameters = prepared.parameters(values)
        result = connection.exec_driver_sql(sql, parameters)
        description = result.cursor.description
        return prepared.convert(description, result.one())
