"""Reads compiled by the ORM once per database connection, run again with new
parameter values.

A page of the visit runs a dozen short statements, each selecting a visit's rows
by its id (its team, sessions, deadlines, revisions, checklist); the coverage page
runs one over a coordinator's subtree, as of now. Django builds and compiles every
queryset again on each request: on the bench's machine that took 1-5 ms a
statement, more than PostgreSQL took to run it (make bench, issue 16). Their SQL
depends on nothing but a few values, so it is compiled once and only those values
change afterwards: the same idea as SQLAlchemy's compiled cache, kept narrow.

What keeps it safe:

- A statement is built by a function of its named values alone (a selector,
  usually), each of a declared kind: an id or other whole number, a moment, a day
  or a text. It is compiled twice, with two different marker values for each; the
  two compilations must have the same SQL, and their parameters may differ only
  where a value goes in as it is (or, for a text, as a LIKE pattern: starts with,
  contains, ends with). Anything the builder derived from a value (a day from a
  moment, a pattern built by hand, a branch on it) shows up as a difference
  elsewhere, and the statement is refused when compiling.
- Whatever changes the SQL itself (who asks and what they may see, None, a limit)
  is not a value: it picks which statement is used.
- Rows become model instances (or named tuples) the way QuerySet's iterables do
  it, through the same compiler: field converters, select_related, deferred
  fields and annotations hold as for any query. Prefetching and the objects a
  related manager knows of are not supported and refused when compiling.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, NamedValuesListIterable, get_related_populators
from django.db.models.utils import create_namedtuple_class
from django.utils import timezone

T = TypeVar("T")

# A key outside PostgreSQL's bigint matches no row (as the ORM answers it).
KEY_RANGE = range(-(2**63), 2**63)
# The kinds of values, and the two values each is compiled with: no row has them
# (negative ids, days of 1900-1901), and a parameter holding them is told apart
# from the constants. Each value of a statement has markers of its own (the n-th
# value: the n-th of its kind), so that two days, say, are never confused. The
# texts hold "_", which a LIKE pattern escapes: a pattern and an exact text differ.
KINDS = (int, dt.datetime, dt.date, str)
MOST_VALUES = 64


def _marker(kind: type, n: int, second: bool) -> Any:
    if kind is int:
        return -1_987_654_321 - 2 * n - second
    if kind is dt.datetime:
        start = (
            dt.datetime(1901, 6, 1, 4, 5, 6, 789, tzinfo=dt.UTC)
            if second
            else dt.datetime(1900, 2, 3, 4, 5, 6, 789, tzinfo=dt.UTC)
        )
        return start + dt.timedelta(days=n, microseconds=n)
    if kind is dt.date:
        return (dt.date(1901, 6, 1) if second else dt.date(1900, 2, 3)) + dt.timedelta(days=n)
    return f"_marker_{'b' if second else 'a'}{n}_"


def _markers(kinds: dict[str, type], second: bool) -> dict[str, Any]:
    return {name: _marker(kind, n, second) for n, (name, kind) in enumerate(kinds.items())}


# How a text goes into a LIKE pattern (the lookups startswith, contains, endswith
# and their case-insensitive forms): before and after its escaped value.
LIKE_FORMS = (("", "%"), ("%", "%"), ("%", ""))


def _adapted(kind: type, value: Any, connection: BaseDatabaseWrapper) -> Any:
    """A value as the ORM hands it to the database for a field of its kind."""
    if kind is dt.datetime:
        return connection.ops.adapt_datetimefield_value(value)
    if kind is dt.date:
        return connection.ops.adapt_datefield_value(value)
    return value


def _checked(name: str, kind: type, value: Any) -> Any:
    """The value, if it is of its kind (a datetime is no day, a bool no number)."""
    wrong = (
        not isinstance(value, kind)
        or (kind is int and isinstance(value, bool))
        or (kind is dt.date and isinstance(value, dt.datetime))
    )
    if wrong:
        raise TypeError(f"{name} must be a {kind.__name__}, not {value!r}")
    if kind is dt.datetime and timezone.is_naive(value):
        raise ValueError(f"{name} must be an aware datetime")
    if kind is int and value not in KEY_RANGE:
        raise ValueError(f"{name} is outside the database's whole numbers")
    return value


@dataclass(frozen=True)
class _Slot:
    """Where a value goes in the parameters: as it is, or inside a LIKE pattern."""

    position: int
    name: str
    kind: type
    like: tuple[str, str] | None = None

    def value(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        if self.like is None:
            return _adapted(self.kind, value, connection)
        before, after = self.like
        return before + connection.ops.prep_for_like_query(value) + after


def _slot(
    position: int,
    first: Any,
    second: Any,
    kinds: dict[str, type],
    connection: BaseDatabaseWrapper,
) -> _Slot | None:
    """The slot whose two markers gave the parameter's two values, if any."""
    for n, (name, kind) in enumerate(kinds.items()):
        a, b = _marker(kind, n, False), _marker(kind, n, True)
        if (first, second) == (_adapted(kind, a, connection), _adapted(kind, b, connection)):
            return _Slot(position, name, kind)
        if kind is str:
            a, b = connection.ops.prep_for_like_query(a), connection.ops.prep_for_like_query(b)
            for before, after in LIKE_FORMS:
                if (first, second) == (before + a + after, before + b + after):
                    return _Slot(position, name, kind, (before, after))
    return None


class _Compiled:
    """One statement compiled on one connection: its SQL, where the values go in
    its parameters, and how its rows become objects."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        kinds: dict[str, type],
        connection: BaseDatabaseWrapper,
    ) -> None:
        queryset = build(**_markers(kinds, second=False))
        other = build(**_markers(kinds, second=True))
        self.model = queryset.model
        self.empty = queryset.query.is_empty()
        if self.empty:
            # QuerySet.none(): no SQL at all, and no rows for any values.
            return
        # QuerySet's own attributes, private to Django (and so to its type stubs).
        if getattr(queryset, "_prefetch_related_lookups", ()) or getattr(
            queryset, "_known_related_objects", {}
        ):
            raise ImproperlyConfigured(
                "a compiled statement cannot prefetch or use a related manager"
            )
        iterable = queryset._iterable_class
        if iterable not in (ModelIterable, NamedValuesListIterable):
            raise ImproperlyConfigured(f"a compiled statement cannot yield {iterable.__name__}")
        compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        other_sql, other_params = other.query.get_compiler(connection=connection).as_sql()
        if other_sql != self.sql or len(other_params) != len(params):
            raise ImproperlyConfigured(f"the SQL depends on the values: {self.sql}")
        self.params = list(params)
        self.slots = []
        for position, (first, second) in enumerate(zip(params, other_params, strict=True)):
            if first == second:
                continue
            slot = _slot(position, first, second, kinds, connection)
            if slot is None:
                raise ImproperlyConfigured(
                    f"parameter {position} ({first!r}) is derived from a value, not one: {self.sql}"
                )
            self.slots.append(slot)
        if missing := set(kinds) - {slot.name for slot in self.slots}:
            raise ImproperlyConfigured(f"{', '.join(sorted(missing))} not in: {self.sql}")
        self.compiler = compiler
        self.alias = connection.alias
        if iterable is NamedValuesListIterable:
            query = queryset.query
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
            self.tuple_class: type | None = create_namedtuple_class(*names)
            return
        self.tuple_class = None
        klass_info, select = compiler.klass_info, compiler.select
        assert klass_info is not None
        fields = klass_info["select_fields"]
        self.own = slice(fields[0], fields[-1] + 1)
        self.init_list = [column[0].target.attname for column in select[self.own]]
        # Django 5.2's signature; the type stubs follow a later one.
        self.populators = get_related_populators(klass_info, select, self.alias)  # type: ignore[call-arg]
        self.annotations = list(compiler.annotation_col_map.items())

    def run(self, values: dict[str, Any]) -> list[Any]:
        if self.empty:
            return []
        params = list(self.params)
        connection = self.compiler.connection
        for slot in self.slots:
            params[slot.position] = slot.value(values[slot.name], connection)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        results = self.compiler.results_iter([rows], tuple_expected=self.tuple_class is not None)
        if self.tuple_class is not None:
            new = tuple.__new__
            return [new(self.tuple_class, row) for row in results]
        objects = []
        for row in results:
            obj = self.model.from_db(self.alias, self.init_list, row[self.own])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


class Statement(Generic[T]):
    """`build(**values)`'s rows for any values of the declared kinds (int,
    datetime, date, str), compiled once per connection (each thread has its own).
    `build` must use each value only by passing it to the query (module
    docstring); a value of the wrong kind, a naive moment or a whole number past
    bigint is refused (TypeError, ValueError)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], **kinds: type) -> None:
        if any(kind not in KINDS for kind in kinds.values()) or len(kinds) > MOST_VALUES:
            raise ImproperlyConfigured(f"at most {MOST_VALUES} values of the kinds {KINDS}")
        self.build = build
        self.kinds = kinds
        self._model: type[Model] | None = None
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def _on(self, connection: BaseDatabaseWrapper) -> _Compiled:
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = _Compiled(self.build, self.kinds, connection)
        return compiled

    def rows(self, **values: Any) -> Sequence[T]:
        """What list(build(**values)) gives, in one query."""
        if set(values) != set(self.kinds):
            raise TypeError(f"the values are {sorted(self.kinds)}, not {sorted(values)}")
        for name, value in values.items():
            _checked(name, self.kinds[name], value)
        if self._model is None:
            self._model = self.build(**_markers(self.kinds, second=False)).model
        connection = connections[router.db_for_read(self._model)]
        return self._on(connection).run(values)


class Statements(Generic[T]):
    """Statements of one builder for many shapes: `build(shape, **values)`, where
    `shape` (hashable) stands for everything that changes the SQL (whose sight,
    which filters, which order, which page) and the values of the declared kinds
    go in as parameters. A value given as None is left out of the parameters and
    passed to `build` as None: which values are None is part of the shape. Each
    shape is a Statement of its own, kept for the `shapes` used last."""

    def __init__(
        self, build: Callable[..., QuerySet[Any]], *, shapes: int = 256, **kinds: type
    ) -> None:
        self.build = build
        self.kinds = kinds
        self.shapes = shapes
        self._statements: OrderedDict[Hashable, Statement[T]] = OrderedDict()
        self._lock = threading.Lock()

    def _statement(self, shape: Hashable, given: frozenset[str]) -> Statement[T]:
        key = (shape, given)
        with self._lock:
            statement = self._statements.get(key)
            if statement is not None:
                self._statements.move_to_end(key)
                return statement
            absent = dict.fromkeys(set(self.kinds) - given)

            def build(**values: Any) -> QuerySet[Any]:
                return self.build(shape, **absent, **values)

            kinds = {name: self.kinds[name] for name in sorted(given)}
            statement = self._statements[key] = Statement(build, **kinds)
            if len(self._statements) > self.shapes:
                self._statements.popitem(last=False)
            return statement

    def rows(self, shape: Hashable, **values: Any) -> Sequence[T]:
        """What list(build(shape, **values)) gives, in one query."""
        if unknown := set(values) - set(self.kinds):
            raise TypeError(f"no values {sorted(unknown)}")
        given = {name: value for name, value in values.items() if value is not None}
        return self._statement(shape, frozenset(given)).rows(**given)


class KeyedStatement(Statement[T]):
    """A statement of one id: `build(key)`'s rows. A key past bigint matches no
    row, as the ORM answers it."""

    def __init__(self, build: Callable[[int], QuerySet[Any]]) -> None:
        super().__init__(lambda key: build(key), key=int)

    def rows(self, key: int) -> Sequence[T]:  # type: ignore[override]
        key = int(key)
        if key not in KEY_RANGE:
            return []
        return super().rows(key=key)

    def first(self, key: int) -> T | None:
        rows = self.rows(key)
        return rows[0] if rows else None


__all__ = ["KeyedStatement", "Statement", "Statements"]
