"""`python -m bench.run` (what `make bench` runs): every benchmark of SPEC §10 against
the bench's own PostgreSQL database, as one JSON document on stdout and in
`bench/results/latest.json`. Progress goes to stderr.

    python -m bench.run                   # create/migrate/seed when needed, then run all
    python -m bench.run --reseed          # drop and rebuild the bench database first
    python -m bench.run --only checklist  # some benchmarks only (repeatable)

The database is `BENCH_DATABASE_URL`, else postgres://postgres@127.0.0.1:5432/inspection_bench.
The cache is `BENCH_CACHE_URL` ("none" for none), else Redis database 14 on
127.0.0.1:6379 when it answers: a deployment shares a Redis cache (docker-compose.yml's CACHE_URL), which
the sessions are read from, so the pages are measured with it.
It is seeded with bench.seed_scale unless it already holds exactly that volume.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/inspection_bench"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/14"
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"

# Modules of this package, each with `run(ctx) -> dict`, in the order they run.
# Those in WRITING leave dead rows (their writes are rolled back or committed):
# the database is vacuumed after each, so no later benchmark measures them.
# Adding a benchmark: write bench/<name>.py and list it here.
BENCHMARKS = (
    "seed",
    "checklist",
    "scope",
    "milestones_month",
    "calendar",
    "reminders",
    "pages",
    "recommendations",
    "unit_coverage",
    "comparison",
    "clashes",
    "xlsx_export",
    # Writes (committed PATCHes): last, after every read-only benchmark.
    "audit_chain",
    # Writes rolled back: a 20,000-row units import.
    "imports",
    # Writes rolled back: a conclusion's copy stored on its first download.
    "conclusion_docx",
)
WRITING = frozenset(
    {
        # A reminder pass over 10,005 due deadlines, rolled back: dead milestone
        # and notification rows under the pages' open-deadline index.
        "reminders",
        "audit_chain",
        "imports",
        "conclusion_docx",
    }
)


def bench_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--reseed", action="store_true", help="Drop and recreate the bench database, then seed."
    )
    parser.add_argument(
        "--only", action="append", choices=BENCHMARKS, help="Run this benchmark (repeatable)."
    )
    parser.add_argument("--repeat", type=int, default=50, help="Timed calls per measurement.")
    parser.add_argument("--warmup", type=int, default=5, help="Untimed calls before timing.")
    return parser.parse_args(argv)


def cache_url_for_bench() -> str | None:
    """BENCH_CACHE_URL, else the default Redis when it answers (without one the
    settings fall back to each process's memory and database-backed sessions)."""
    wanted = os.environ.get("BENCH_CACHE_URL")
    if wanted:
        # "none": measure as a single process without Redis would run.
        return None if wanted == "none" else wanted
    import redis

    try:
        redis.Redis.from_url(DEFAULT_CACHE_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        sys.stderr.write("[bench] no Redis on 127.0.0.1:6379: measuring without a shared cache\n")
        return None
    return DEFAULT_CACHE_URL


def setup_django(url: str) -> None:
    """Point Django at the bench database before it reads its settings."""
    os.environ["DATABASE_URL"] = url
    # DEBUG keeps every query in memory and slows each one down: never measure with it.
    os.environ["DEBUG"] = "false"
    cache_url = cache_url_for_bench()
    if cache_url:
        os.environ["CACHE_URL"] = cache_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()


def prepare(url: str, *, reseed: bool) -> tuple[dict[str, Any], dict[str, int]]:
    """Create, migrate and seed the bench database as needed; (seed report, volume)."""
    from django.db import connections

    from bench import database
    from bench.common import log

    database.create_database(url, drop=reseed)
    database.migrate()
    volume = database.current_volume()
    if database.holds_expected_volume(volume):
        log(f"reusing the seeded data: {volume}")
        return {"status": "reused", **(database.last_seed_report() or {})}, volume
    if any(volume[key] for key in database.expected_volume()):
        log(f"the database holds {volume}, not {database.expected_volume()}: rebuilding it")
        connections.close_all()
        database.create_database(url, drop=True)
        database.migrate()
    report = {"status": "seeded", **database.seed()}
    return report, database.current_volume()


def vacuum() -> None:
    """Every run starts from the same database: the writing benchmarks roll back
    (a 20,000-row import, documents, audited PATCHes), and the dead rows they leave
    slowed the next run's scans of units and users several times over, floors
    included, until autovacuum came round."""
    from django.db import connection

    from bench.common import log

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    log(f"vacuumed in {time.perf_counter() - started:.1f} s")


def database_info() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('server_version_num')::int")
        version, number = cursor.fetchone()
    return {
        "vendor": connection.vendor,
        "name": connection.settings_dict["NAME"],
        "version": version,
        "server_version_num": number,
    }


def machine_info() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def run_benchmarks(names: tuple[str, ...], ctx) -> tuple[dict[str, Any], list[str]]:
    from bench.common import log

    results: dict[str, Any] = {}
    failed: list[str] = []
    for name in names:
        log(f"running {name}")
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            results[name] = module.run(ctx)
        except Exception as error:
            # One broken benchmark must not hide the others' figures.
            traceback.print_exc(file=sys.stderr)
            results[name] = {"error": f"{type(error).__name__}: {error}"}
            failed.append(name)
        results[name]["elapsed_s"] = round(time.perf_counter() - started, 2)
        if name in WRITING:
            vacuum()
    return results, failed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    url = bench_url()
    setup_django(url)

    from bench.common import BenchContext, log

    seed_report, volume = prepare(url, reseed=args.reseed)
    vacuum()
    ctx = BenchContext(repeat=args.repeat, warmup=args.warmup, seed=seed_report, volume=volume)
    names = tuple(name for name in BENCHMARKS if not args.only or name in args.only)
    results, failed = run_benchmarks(names, ctx)
    document = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            **machine_info(),
            # Figures taken on a busy machine are noisy; this says how busy it was.
            "load_avg_1m_before": round(load_before, 2),
            "load_avg_1m_after": round(os.getloadavg()[0], 2),
        },
        "database": database_info(),
        "volume": volume,
        "settings": {"repeat": args.repeat, "warmup": args.warmup},
        "benchmarks": results,
        "failed": failed,
        "total_s": round(time.perf_counter() - started, 1),
    }
    text = json.dumps(document, indent=2, ensure_ascii=False)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")
    log(f"written to {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
