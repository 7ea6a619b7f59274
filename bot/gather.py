"""Several areas' reads in one statement, built once per process.

A screen such as `/partner status` needs a little from many tables. Each area still writes its own query (its
rules stay in its service), but instead of running it, it hands it to a `Gather`: a single value (a count, a
date) becomes a scalar subquery, and a small set of rows becomes one JSON array column. `run` sends all of them
as one `SELECT (…) AS c0, (…) AS c1, …`, so the whole screen costs one round trip however many areas it shows.
After `run`, each area's handle gives back plain values: rows with the same attribute names and Python types an
ordinary `session.execute` would give, or transient model instances (never added to the session).

Building such a statement with SQLAlchemy costs more than running it, so each query is given as a function of
its parameters (`lambda p: select(…).where(Kpi.partnership_id == p.pid)`, values passed by name), and a gather
with the same queries reuses the statement it built the first time with the new values bound. The functions may
not close over anything (checked): a value captured that way would be frozen into the reused statement."""

from __future__ import annotations

import json
from collections import namedtuple
from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Any, Callable, Generic, TypeVar

from sqlalchemy import JSON, Boolean, Date, DateTime, Select, Time, bindparam, inspect, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state, manager_of_class
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator

from bot.precompiled import Precompiled

T = TypeVar("T")
Build = Callable[["Params"], Select]


class json_rows(FunctionElement):
    """An aggregate: the group's rows as a JSON array of arrays (`[]` for none), in the two dialects we run on."""

    inherit_cache = True
    type = JSON()


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element, compiler, **kw):
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element, compiler, **kw):
    return f"coalesce(json_agg(json_build_array({compiler.process(element.clauses, **kw)})), '[]'::json)"


class json_row(FunctionElement):
    """One row as a JSON array (for a read of at most one row)."""

    inherit_cache = True
    type = JSON()


@compiles(json_row, "sqlite")
def _json_row_sqlite(element, compiler, **kw):
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(json_row, "postgresql")
def _json_row_postgresql(element, compiler, **kw):
    return f"json_build_array({compiler.process(element.clauses, **kw)})"


def _to_datetime(value: str) -> datetime:
    # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" (UTC, no zone); PostgreSQL writes ISO 8601 with an offset.
    # A status decodes hundreds: naming UTC in the text is several times cheaper than datetime.replace.
    if value[-6:-5] in ("+", "-") and value[-3:-2] == ":":
        moment = datetime.fromisoformat(value)
        return moment if value.endswith("+00:00") else moment.astimezone(timezone.utc)  # +00:00 is timezone.utc
    return datetime.fromisoformat(value + "+00:00")


def _from_json(value):
    return json.loads(value) if isinstance(value, str) else value  # SQLite nests a JSON column as text


def _decoder(sql_type) -> Callable[[Any], Any] | None:
    """How a value that came back inside JSON becomes what the column's own type would have given (None: as is)."""
    base = sql_type.impl if isinstance(sql_type, TypeDecorator) else sql_type
    if isinstance(base, DateTime):
        return _to_datetime
    if isinstance(base, Date):
        return date.fromisoformat
    if isinstance(base, Time):
        return time.fromisoformat
    if isinstance(base, Boolean):
        return bool  # SQLite gives 0/1
    if isinstance(base, JSON):
        return _from_json
    return None


class Params:
    """A query's parameters as bound parameters, named apart from every other query's in the same statement."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return bindparam(f"{self._prefix}{name}")  # typed by what it is compared with


class _Shape:
    """How a read's rows come back: their names, and the decoder of each column that needs one."""

    def __init__(self, columns, names: tuple[str, ...]) -> None:
        self.columns = tuple(columns)
        self.row = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        self.decoders = [(i, d) for i, d in enumerate(_decoder(column.type) for column in self.columns) if d]

    def decode(self, value, single: bool) -> list:
        found = _from_json(value)
        if not found:
            return []
        rows = [found] if single else found
        if not self.decoders:
            return list(map(self.row._make, rows))
        # Column by column (a status decodes some 260 rows): one comprehension per decoded column instead of a
        # copy and a loop per row. The fetched value stays as it came (each get() decodes afresh).
        columns = list(zip(*rows, strict=True))
        for i, decode in self.decoders:
            columns[i] = [None if v is None else decode(v) for v in columns[i]]
        return list(map(self.row._make, zip(*columns, strict=True)))


@lru_cache(maxsize=None)
def _model_shape(model) -> tuple[_Shape, json_row, json_rows]:
    """A model's columns (its primary key first), and the array of one row and of many, built once."""
    mapper = inspect(model)
    keys = [column.key for column in mapper.primary_key]
    keys += [attr.key for attr in mapper.column_attrs if attr.key not in keys]
    columns = tuple(getattr(model, key).expression for key in keys)
    return _Shape(columns, tuple(keys)), json_row(*columns), json_rows(*columns)


class Handle(Generic[T]):
    """What an area gets back from `Gather`: its value, once the gathered statement has run."""

    def __init__(self, gather: Gather, index: int, convert: Callable[[Any], T]):
        self._gather, self._index, self._convert = gather, index, convert

    def get(self) -> T:
        return self._convert(self._gather.value(self._index))

    def fetched(self):
        """The value as the statement gave it, before any decoding (equal values: equal rows)."""
        return self._gather.value(self._index)


# (kind, the query function's code, options) of each part -> (the statement, each part's shape)
_built: dict[tuple, tuple[Precompiled, list]] = {}


class Gather:
    def __init__(self) -> None:
        self._parts: list[tuple] = []  # (key, how to build the column given its Params, values)
        self._shapes: list[_Shape | None] | None = None
        self._values: tuple | None = None

    def _add(self, key: tuple, build: Callable, values: dict) -> int:
        if self._values is not None:
            raise RuntimeError("this gather has already run")
        code = key[1]
        if code.co_freevars:
            raise ValueError(f"a gathered query may not close over {code.co_freevars}: pass them as parameters")
        self._parts.append((key, build, values))
        return len(self._parts) - 1

    def scalar(self, query: Build, **values) -> Handle[Any]:
        """The first column of the first row of the query (None without one)."""

        def build(p: Params):
            built = query(p)
            return built.limit(1).scalar_subquery(), None

        index = self._add(("scalar", query.__code__), build, values)
        return Handle(self, index, lambda value: value)

    def rows(
        self, query: Build, *, sort: Callable | None = None, first: int | None = None, grouped=False, **values
    ) -> Handle[list]:
        """The rows of the query as named tuples like `session.execute`'s, sorted by `sort` (a key of a row).

        `first=n`: only the first n rows in the query's order (it must select one table's rows, key first).
        `grouped`: the query has a GROUP BY (its groups are aggregated in a subquery)."""

        def build(p: Params):
            built = query(p)
            columns = list(built.selected_columns)
            shape = _Shape(columns, tuple(column.key for column in columns))
            if grouped:
                inner = built.subquery()
                return select(json_rows(*inner.c)).select_from(inner).scalar_subquery(), shape
            return _packed(built, shape, json_row(*columns), json_rows(*columns), first), shape

        index = self._add(("rows", query.__code__, first, grouped), build, values)
        return Handle(self, index, lambda value: _sorted(self._shape(index).decode(value, first == 1), sort))

    def entities(
        self, model: type[T], where: Build, *, sort: Callable | None = None, first: int | None = None, **values
    ) -> Handle[list[T]]:
        """Rows of `model` as transient instances: their columns set, their relationships left to the caller.
        `where(p)` gives the select of the model with its conditions (and order, for `first`)."""

        def build(p: Params):
            shape, one, many = _model_shape(model)
            return _packed(where(p), shape, one, many, first), shape

        index = self._add(("entities", where.__code__, model, first), build, values)
        return Handle(
            self,
            index,
            lambda value: [
                _transient(model, row) for row in _sorted(self._shape(index).decode(value, first == 1), sort)
            ],
        )

    def _shape(self, index: int) -> _Shape:
        return self._shapes[index]  # type: ignore[index]

    def run(self, session: Session) -> None:
        """One statement for everything gathered."""
        if self._values is not None:
            raise RuntimeError("this gather has already run")
        key = tuple(part[0] for part in self._parts)
        found = _built.get(key)
        if found is None:
            columns, shapes = [], []
            for i, (_, build, _values) in enumerate(self._parts):
                column, shape = build(Params(f"g{i}_"))
                columns.append(column.label(f"c{i}"))
                shapes.append(shape)
            found = _built[key] = (Precompiled(select(*columns)), shapes)
        statement, self._shapes = found
        params = {f"g{i}_{name}": value for i, part in enumerate(self._parts) for name, value in part[2].items()}
        self._values = statement.one(session, params) if self._parts else ()

    def value(self, index: int):
        if self._values is None:
            raise RuntimeError("read a gathered value before the gather ran")
        return self._values[index]


def _packed(query: Select, shape: _Shape, one: json_row, many: json_rows, first: int | None):
    if first == 1:  # one row needs no aggregate: the row as an array, or NULL
        return query.with_only_columns(one).limit(1).scalar_subquery()
    if first is not None:  # the first n keys in the query's order, then their rows
        chosen = query.with_only_columns(shape.columns[0]).limit(first).correlate(None)
        query = query.with_only_columns(many).order_by(None).where(shape.columns[0].in_(chosen))
        return query.scalar_subquery()
    return query.with_only_columns(many).order_by(None).scalar_subquery()


def _transient(model: type[T], row) -> T:
    """An instance with the row's columns, made the way the ORM makes one it loads (its state set up, the values
    placed in its dict without attribute events): an order of magnitude cheaper than calling the constructor.
    Listeners of the model's `init` event still hear of it, as they would of `model(**columns)`."""
    manager = manager_of_class(model)
    instance = manager.new_instance()
    columns = row._asdict()
    manager.dispatch.init(instance_state(instance), (), columns)
    instance.__dict__.update(columns)
    return instance


def _sorted(rows: list, sort: Callable | None) -> list:
    return sorted(rows, key=sort) if sort else rows


def gathered(session: Session, read: Callable[[Gather], Callable[[], T]]) -> T:
    """Run one area's gathered read on its own: `read` contributes to a gather and returns how to finish."""
    gather = Gather()
    finish = read(gather)
    gather.run(session)
    return finish()
