"""The clash check of a 500-entry programme against the seeded visits (SPEC §10:
≤ 1 s): `checklists.clashes.clashes_find` on 500 entry windows, each with a host
unit and a team of four drawn from the seed's units and people, over the seed's
year, so that many of them clash (with stored visits and with each other).

Reported: the time of one batch (p50/p95), its SQL queries (constant in the batch
size), and how many clashes of each kind it found (a check that finds nothing
measures nothing).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from bench.common import BenchContext, count_queries, measure
from checklists.clashes import Candidate, clashes_find
from checklists.models import Unit, User, Visit

ENTRIES = 500
TARGET_MS = 1000


def programme(size: int = ENTRIES, seed: int = 10) -> list[Candidate]:
    """A year's programme: entries of 3 to 25 days (some past the district limit),
    their first session on the window's first day, under the seed's outline code."""
    rng = random.Random(seed)
    visits = Visit.objects.exclude(window_start=None)
    first = visits.order_by("window_start").values_list("window_start", flat=True).first()
    code = visits.values_list("outline__code", flat=True).first() or ""
    units = list(Unit.objects.values_list("pk", flat=True))
    people = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    year_start = (first or dt.datetime(2024, 1, 1, tzinfo=dt.UTC)).date()
    entries = []
    for index in range(size):
        start = year_start + dt.timedelta(days=rng.randrange(365))
        end = start + dt.timedelta(days=rng.randrange(2, 25))
        session = dt.datetime.combine(start, dt.time(1, 0), tzinfo=dt.UTC)
        entries.append(
            Candidate.for_window(
                host_unit_id=rng.choice(units),
                window_start=start,
                window_end=end,
                people=rng.sample(people, 4),
                sessions=[(session, session + dt.timedelta(hours=3, minutes=30))],
                outline_code=code,
                label=f"entry {index + 1}",
            )
        )
    return entries


def run(ctx: BenchContext) -> dict[str, Any]:
    entries = programme()
    queries, found, _sql = count_queries(lambda: clashes_find(entries))
    small_queries, _found, _sql = count_queries(lambda: clashes_find(entries[:5]))
    timing = measure(
        lambda: clashes_find(entries), repeat=min(ctx.repeat, 20), warmup=min(ctx.warmup, 2)
    )
    kinds = Counter(clash.kind for clashes in found for clash in clashes)
    return {
        "entries": len(entries),
        "visits": Visit.objects.count(),
        **timing,
        "target_ms": TARGET_MS,
        "within_target": timing["p95_ms"] <= TARGET_MS,
        "queries": queries,
        "queries_for_5_entries": small_queries,
        "clashes": dict(sorted(kinds.items())),
        "entries_with_errors": sum(any(c.is_error for c in clashes) for clashes in found),
    }
