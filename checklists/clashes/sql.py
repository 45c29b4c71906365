"""The clash check's SQL: candidates as a VALUES list joined against the stored
visits' windows, a constant number of statements per batch (checklists.clashes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from checklists.models import Visit

# Candidates per statement: keeps a VALUES list within SQLite's bound on a
# statement's parameters (32,766) for any batch; a 500-entry programme is one chunk.
CHUNK = 2000


def uses_ranges() -> bool:
    """PostgreSQL compares windows as ranges (its GiST index); others compare bounds."""
    return connection.vendor == "postgresql"


def overlap(stored: str, lo: str, hi: str) -> str:
    """The window test, as the database can index it."""
    if uses_ranges():
        return f"tstzrange({stored}.window_start, {stored}.window_end) && tstzrange({lo}, {hi})"
    return f"{stored}.window_start < {hi} AND {lo} < {stored}.window_end"


def values_cte(
    columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
) -> tuple[str, list]:
    """A VALUES list of `rows` as the CTE `c` with `columns` ((name, PostgreSQL type)),
    and its parameters (datetimes adapted to the column's storage)."""
    typed = connection.vendor == "postgresql"
    placeholder = ", ".join(f"%s::{kind}" if typed else "%s" for _name, kind in columns)
    values = ", ".join(f"({placeholder})" for _row in rows)
    names = ", ".join(name for name, _kind in columns)
    params: list[Any] = []
    for row in rows:
        for value in row:
            params.append(
                connection.ops.adapt_datetimefield_value(value)
                if isinstance(value, dt.datetime)
                else value
            )
    return f"WITH c({names}) AS (VALUES {values})", params


def query(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]], body: str) -> list:
    results: list = []
    for offset in range(0, len(rows), CHUNK):
        cte, params = values_cte(columns, rows[offset : offset + CHUNK])
        with connection.cursor() as cursor:
            cursor.execute(f"{cte} {body}", params)
            results.extend(cursor.fetchall())
    return results


def aware(value: Any) -> dt.datetime:
    """A datetime read by raw SQL: aware on PostgreSQL, naive UTC text on SQLite."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


ACTIVE = f"v.status <> '{Visit.Status.CANCELLED}' AND (c.excl IS NULL OR v.id <> c.excl)"
WINDOW_COLUMNS = [("lo", "timestamptz"), ("hi", "timestamptz"), ("excl", "bigint")]
