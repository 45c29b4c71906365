"""Reads keyed by one id, compiled by the ORM once per database connection.

A page of the visit runs a dozen short statements, each selecting a visit's rows
by its id (its team, sessions, deadlines, revisions, checklist). Django builds and
compiles every queryset again on each request: on the bench's machine that took
1-2 ms a statement, more than PostgreSQL took to run it (make bench, issue 16).
Their SQL depends on nothing but that id, so it is compiled once and only the id
changes afterwards: the same idea as SQLAlchemy's compiled cache, kept narrow.

What keeps it safe:

- A statement is built by a function of the key alone (a selector, usually), so
  its SQL is the same for every key. The key goes in as a marker value, and the
  compiled parameters must hold it as parameters of their own, nowhere else
  (inside a LIKE pattern, say): KeyedStatement refuses to compile otherwise.
- Who may read the rows is decided before (the visit was found visible); a read
  whose SQL depends on the person (visibility) is never keyed this way.
- Rows become model instances (or named tuples) the way QuerySet's iterables do
  it, through the same compiler: field converters, select_related, deferred
  fields and annotations hold as for any query. Prefetching and the objects a
  related manager knows of are not supported and refused when compiling.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, NamedValuesListIterable, get_related_populators
from django.db.models.utils import create_namedtuple_class

T = TypeVar("T")

# A key outside PostgreSQL's bigint matches no row (as the ORM answers it).
KEY_RANGE = range(-(2**63), 2**63)
# The key the statement is compiled with: no row has a negative id, and its
# parameters are then told apart from the statement's constants by this value.
KEY_MARKER = -1_987_654_321


class _Compiled:
    """One statement compiled on one connection: its SQL, where the key goes in
    its parameters, and how its rows become objects."""

    def __init__(self, queryset: QuerySet[Any], connection: BaseDatabaseWrapper) -> None:
        # QuerySet's own attributes, private to Django (and so to its type stubs).
        if getattr(queryset, "_prefetch_related_lookups", ()) or getattr(
            queryset, "_known_related_objects", {}
        ):
            raise ImproperlyConfigured("a keyed statement cannot prefetch or use a related manager")
        iterable = queryset._iterable_class
        if iterable not in (ModelIterable, NamedValuesListIterable):
            raise ImproperlyConfigured(f"a keyed statement cannot yield {iterable.__name__}")
        compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots = [i for i, value in enumerate(self.params) if value == KEY_MARKER]
        if not self.slots or any(
            str(KEY_MARKER) in str(value)
            for i, value in enumerate(self.params)
            if i not in self.slots
        ):
            raise ImproperlyConfigured(f"the key is not a parameter of its own in: {self.sql}")
        self.compiler = compiler
        self.alias = connection.alias
        self.model = queryset.model
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

    def run(self, key: int) -> list[Any]:
        params = list(self.params)
        for slot in self.slots:
            params[slot] = key
        with self.compiler.connection.cursor() as cursor:
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


class KeyedStatement(Generic[T]):
    """`build(key)`'s rows for any key, compiled once per connection (each thread
    has its own). `build` must depend on the key alone (module docstring)."""

    def __init__(self, build: Callable[[int], QuerySet[Any]]) -> None:
        self.build = build
        self._model: type[Model] | None = None
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def _on(self, connection: BaseDatabaseWrapper) -> _Compiled:
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = _Compiled(self.build(KEY_MARKER), connection)
        return compiled

    def rows(self, key: int) -> Sequence[T]:
        """What list(build(key)) gives, in one query."""
        key = int(key)
        if key not in KEY_RANGE:
            return []
        if self._model is None:
            self._model = self.build(KEY_MARKER).model
        connection = connections[router.db_for_read(self._model)]
        return self._on(connection).run(key)

    def first(self, key: int) -> T | None:
        rows = self.rows(key)
        return rows[0] if rows else None


__all__ = ["KEY_MARKER", "KeyedStatement"]
