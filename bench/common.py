"""What every benchmark needs: timing with percentiles, SQL query counts, the
"floor" (raw SQL for the same rows plus JSON encoding) and the seeded subjects.

Times are wall-clock milliseconds of in-process calls (no HTTP server), taken with
`time.perf_counter()`; keys carry their unit (`p50_ms`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checklists.models import ChecklistItem, TeamMembership, User

DEFAULT_REPEAT = 50
DEFAULT_WARMUP = 5
# A measurement stops early (with at least MIN_SAMPLES) once it has run this long,
# so one slow path cannot turn `make bench` into a coffee break; "n" says how many
# samples a figure rests on.
BUDGET_S = 15.0
MIN_SAMPLES = 10


def log(message: str) -> None:
    """Progress goes to stderr: stdout carries nothing but the JSON document."""
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


# --- timing -------------------------------------------------------------------


def percentile(sorted_samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), interpolating between the closest ranks
    (numpy's default "linear" method)."""
    if not sorted_samples:
        return math.nan
    rank = (len(sorted_samples) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return sorted_samples[low] + (sorted_samples[high] - sorted_samples[low]) * (rank - low)


def summarize(samples_ms: Sequence[float]) -> dict[str, float | int]:
    ordered = sorted(samples_ms)
    return {
        "n": len(ordered),
        "min_ms": round(ordered[0], 3),
        "p50_ms": round(percentile(ordered, 50), 3),
        "p95_ms": round(percentile(ordered, 95), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3),
        "mean_ms": round(sum(ordered) / len(ordered), 3),
    }


def time_once(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _within_budget(started: float, samples: int, budget_s: float) -> bool:
    return samples < MIN_SAMPLES or time.perf_counter() - started < budget_s


def measure(
    fn: Callable[[], Any],
    *,
    repeat: int = DEFAULT_REPEAT,
    warmup: int = DEFAULT_WARMUP,
    budget_s: float = BUDGET_S,
) -> dict[str, float | int]:
    """Call `fn` `warmup` times untimed (warm caches, open the connection), then
    up to `repeat` times timed; p50/p95/p99/min/max/mean in ms."""
    for _ in range(warmup):
        fn()
    started, samples = time.perf_counter(), []
    while len(samples) < repeat and _within_budget(started, len(samples), budget_s):
        samples.append(time_once(fn))
    return summarize(samples)


def count_queries(fn: Callable[[], Any]) -> tuple[int, Any, list[str]]:
    """(number of SQL queries, fn's result, the SQL) of one call of `fn`."""
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return len(captured.captured_queries), result, [q["sql"] for q in captured.captured_queries]


# --- the floor ------------------------------------------------------------------


def to_json(value: Any) -> str:
    """The JSON encoding both sides of a comparison use (dates, datetimes and
    decimals as Django's encoder writes them)."""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def sql_dicts(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows of raw SQL as dicts keyed by column name: the least work that gives
    the same rows as an ORM query. Goes through Django's connection, so jsonb
    arrives as text there too (Django registers that loader) and the session time
    zone is the same."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def floor_json(sql: str, params: Sequence[Any] = ()) -> Callable[[], str]:
    """A floor for the common case: one statement, its rows as they come, as JSON."""
    return lambda: to_json(sql_dicts(sql, params))


def compare(
    orm: Callable[[], str],
    floor: Callable[[], str],
    *,
    repeat: int = DEFAULT_REPEAT,
    warmup: int = DEFAULT_WARMUP,
    budget_s: float = BUDGET_S,
) -> dict[str, Any]:
    """Time an ORM path against its floor in the same run.

    Both callables return the JSON text they produce, so the comparison includes
    the encoding and `same_output` proves the floor really fetches the same rows.
    Calls alternate, so drift (autovacuum, a noisy neighbour) hits both sides alike.
    """
    orm_queries, orm_output, orm_sql = count_queries(orm)
    floor_queries, floor_output, _ = count_queries(floor)
    for _ in range(warmup):
        orm()
        floor()
    started, orm_ms, floor_ms = time.perf_counter(), [], []
    while len(orm_ms) < repeat and _within_budget(started, len(orm_ms), budget_s):
        orm_ms.append(time_once(orm))
        floor_ms.append(time_once(floor))
    orm_stats, floor_stats = summarize(orm_ms), summarize(floor_ms)
    return {
        "orm": {**orm_stats, "queries": orm_queries},
        "floor": {**floor_stats, "queries": floor_queries},
        "ratio_p50": round(orm_stats["p50_ms"] / floor_stats["p50_ms"], 2),
        "same_output": orm_output == floor_output,
        "output_bytes": len(orm_output.encode()),
        "orm_sql": orm_sql,
    }


@contextmanager
def rolled_back() -> Iterator[None]:
    """For a benchmark that writes: everything inside is undone, so the seeded
    volume stays exactly as `bench.run` checks it on the next run."""

    class _Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


# --- the run's context -------------------------------------------------------------


@dataclass
class BenchContext:
    """What a benchmark gets: repetition settings, the seed's report and volume, and
    the seeded subjects (found once, by query, so any seed of the right shape works)."""

    repeat: int = DEFAULT_REPEAT
    warmup: int = DEFAULT_WARMUP
    seed: dict[str, Any] = field(default_factory=dict)
    volume: dict[str, int] = field(default_factory=dict)

    @cached_property
    def today(self) -> dt.date:
        return timezone.localdate()

    def month(self, day: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """[first day, first day of next month) of the month holding `day` (today)."""
        day = day or self.today
        first = day.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return first, following

    @cached_property
    def big_visit_id(self) -> int:
        """The visit with the longest checklist (300 items in the standard seed)."""
        row = (
            ChecklistItem.objects.values("visit_id")
            .annotate(n=Count("id"))
            .order_by("-n", "visit_id")
            .first()
        )
        if row is None:
            raise RuntimeError("The bench database holds no checklist items.")
        return row["visit_id"]

    @cached_property
    def big_visit_lead(self) -> User:
        return (
            TeamMembership.objects.select_related("user")
            .get(visit_id=self.big_visit_id, role=TeamMembership.Role.LEAD)
            .user
        )

    @cached_property
    def province_coordinator(self) -> User:
        """A coordinator scoped to the province with the most visits: the busiest
        scope short of everything. Loaded with its scope, as a request's user would
        be after one query."""
        rows = sql_dicts(
            """
            SELECT split_part(u.path, '/', 3)::bigint AS province, count(*) AS visits
            FROM checklists_visit v JOIN checklists_unit u ON u.id = v.host_unit_id
            WHERE u.kind <> 'central'
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
            """
        )
        if not rows:
            raise RuntimeError("The bench database holds no visits below the central unit.")
        return (
            User.objects.select_related("coordinator_scope")
            .filter(is_coordinator=True, coordinator_scope_id=rows[0]["province"])
            .order_by("id")
            .first()
        )

    @cached_property
    def everything_coordinator(self) -> User:
        return (
            User.objects.filter(is_coordinator=True, coordinator_scope__isnull=True)
            .order_by("id")
            .first()
        )
