"""The spreadsheet export of the visits (issue 15, SPEC §10: `?format=xlsx` of
10,000 visits in ≤ 10 s, memory flat in the number of rows), for the coordinator
of everything: `/api/v1/visits/?format=xlsx` through the test Client with a
session, as the overview's Export link is followed.

Measured at N and 2N rows: the half of the visits whose sessions began before
the median first session (`session_before`), then all of them. For each: the
wall time of whole requests (the file read to its end), the file's bytes, and
the peak of Python's allocations during one request (tracemalloc, in a run of
its own: tracing slows the code down) with the process's peak RSS before and
after. `peak_ratio` (2N over N) near 1 is "flat when the rows double"; a list
built in memory would double it.
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from typing import Any

from django.db.models import Min
from django.utils import timezone

from bench.common import BenchContext, log
from bench.pages import signed_in
from checklists.models import Visit, WorkingSession
from checklists.selectors.visits import visits_with_sessions_between

URL = "/api/v1/visits/"
# Each request writes the whole file: a few runs give a fair median.
RUNS = 3
# The budget of SPEC §10 for 10,000 visits.
BUDGET_S = 10.0


def _median_first_session() -> Any:
    """The day half of the visits' first sessions come before (or on)."""
    firsts = (
        WorkingSession.objects.values("visit_id")
        .annotate(first=Min("start"))
        .order_by("first")
        .values_list("first", flat=True)
    )
    total = firsts.count()
    return firsts[total // 2 - 1] if total > 1 else None


def _download(client: Any, params: dict[str, str]) -> int:
    """One export, read to its end; its size in bytes (no copy of it is kept)."""
    response = client.get(URL, {**params, "format": "xlsx"})
    assert response.status_code == 200, response.status_code
    size = sum(len(block) for block in response.streaming_content)
    response.close()
    return size


def _measure(client: Any, params: dict[str, str], rows: int) -> dict[str, Any]:
    size = _download(client, params)  # warm-up: connections, caches, imports
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        _download(client, params)
        times.append(time.perf_counter() - started)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        _download(client, params)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times.sort()
    return {
        "params": params,
        "rows": rows,
        "bytes": size,
        "runs": RUNS,
        "min_s": round(times[0], 3),
        "median_s": round(times[len(times) // 2], 3),
        "max_s": round(times[-1], 3),
        "peak_traced_mib": round(peak / 2**20, 2),
        # ru_maxrss is in KiB on Linux: the process's high-water mark, which only rises.
        "peak_rss_mib_before": round(rss_before / 1024, 1),
        "peak_rss_mib_after": round(rss_after / 1024, 1),
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    user = ctx.everything_coordinator
    total = Visit.objects.count()
    median = _median_first_session()
    day = timezone.localdate(median) if median else None
    half_params = {"session_before": day.isoformat()} if day else {}
    half_rows = visits_with_sessions_between(Visit.objects.all(), None, day).count()
    with signed_in(user) as client:
        log(f"xlsx_export: {half_rows} visits, then {total}")
        half = _measure(client, half_params, half_rows)
        whole = _measure(client, {}, total)
    return {
        "url": f"{URL}?format=xlsx",
        "user": user.username,
        "half": half,
        "all": whole,
        "rows_ratio": round(whole["rows"] / half["rows"], 2) if half["rows"] else None,
        "time_ratio": round(whole["median_s"] / half["median_s"], 2),
        "bytes_ratio": round(whole["bytes"] / half["bytes"], 2),
        "peak_ratio": round(whole["peak_traced_mib"] / half["peak_traced_mib"], 2),
        "within_budget": whole["median_s"] <= BUDGET_S,
    }
