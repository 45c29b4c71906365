"""The benchmarks' own PostgreSQL database: created when missing, migrated, and
filled with the SPEC §10 volume once; later runs reuse it.

`bench.run` points `DATABASE_URL` at the bench database (`BENCH_DATABASE_URL`, else a
local `inspection_bench`) and sets Django up before importing this module, so
nothing here can touch the development or test databases.
"""

from __future__ import annotations

import io
import json
import time
from typing import Any

import dj_database_url
import psycopg
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from bench.common import log
from bench.seeder import seed_scale
from checklists.models import (
    ChecklistItem,
    Conclusion,
    Milestone,
    Recommendation,
    ReportRevision,
    RevisionComparison,
    TeamMembership,
    Unit,
    User,
    Visit,
    WorkingSession,
)

# The seed every run expects (seed_scale's defaults, spelled out so a change of
# those defaults shows up here as a reseed rather than as silently other figures).
SEED_OPTIONS: dict[str, Any] = {
    "visits": 10_000,
    "milestones_per_visit": 20,
    "items_per_visit": 50,
    "big_visits": 10,
    "big_visit_items": 300,
    "report_pages": 30,
}
# Where the seed's report (its time per table) is kept, so a rerun that reuses the
# data can still say how long seeding took. A plain table, not a Django model: it
# belongs to the bench database only. `json`, not `jsonb`: it keeps the tables in
# the order they were loaded.
SEED_TABLE = "bench_seed_report"


def expected_volume() -> dict[str, int]:
    o = SEED_OPTIONS
    return {
        "visits": o["visits"],
        "milestones": o["visits"] * o["milestones_per_visit"],
        "checklist_items": o["visits"] * o["items_per_visit"]
        + o["big_visits"] * (o["big_visit_items"] - o["items_per_visit"]),
    }


def _maintenance_conninfo(url: str) -> tuple[str, str]:
    """(conninfo of the `postgres` maintenance database on the same server, name of
    the bench database)."""
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"bench needs PostgreSQL; {url!r} is not a postgres:// URL.")
    conninfo = psycopg.conninfo.make_conninfo(
        dbname="postgres",
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
    )
    return conninfo, config["NAME"]


def create_database(url: str, *, drop: bool = False) -> bool:
    """Create the bench database if it is missing (dropping it first with `drop`).
    True when a new, empty database was created."""
    conninfo, name = _maintenance_conninfo(url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            log(f"dropping database {name}")
            # FORCE ends other sessions (an earlier bench run left in psql, say).
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            log(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def migrate() -> None:
    started = time.perf_counter()
    out = io.StringIO()
    call_command("migrate", interactive=False, verbosity=1, stdout=out, stderr=out)
    applied = out.getvalue().count("Applying ")
    log(f"migrated ({applied} migrations applied) in {time.perf_counter() - started:.1f} s")


def current_volume() -> dict[str, int]:
    return {
        "visits": Visit.objects.count(),
        "milestones": Milestone.objects.count(),
        "checklist_items": ChecklistItem.objects.count(),
        "working_sessions": WorkingSession.objects.count(),
        "team_memberships": TeamMembership.objects.count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "conclusions": Conclusion.objects.count(),
        "recommendations": Recommendation.objects.count(),
        "report_revisions": ReportRevision.objects.count(),
        "revision_comparisons": RevisionComparison.objects.count(),
    }


def holds_expected_volume(volume: dict[str, int]) -> bool:
    # Recommendations are drawn at random (about 5 per concluded visit), and the
    # draft reports came later still: a data set seeded before either has none of
    # them, and is rebuilt.
    seeded_later = ("recommendations", "report_revisions", "revision_comparisons")
    return all(volume.get(key, 0) > 0 for key in seeded_later) and all(
        volume[key] == count for key, count in expected_volume().items()
    )


def seed() -> dict[str, Any]:
    """Run seed_scale with SEED_OPTIONS, its progress to stderr; its report, with the
    wall time of the whole command, is stored in the database and returned."""
    started = time.perf_counter()
    report = seed_scale(**SEED_OPTIONS)
    report = {**report, "wall_seconds": round(time.perf_counter() - started, 3)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {SEED_TABLE} "
            "(seeded_at timestamptz PRIMARY KEY DEFAULT now(), report json NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {SEED_TABLE} (report) VALUES (%s) RETURNING seeded_at",
            [json.dumps(report)],
        )
        seeded_at = cursor.fetchone()[0]
    return {**report, "seeded_at": seeded_at.isoformat()}


def last_seed_report() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [SEED_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(
            f"SELECT seeded_at, report::text FROM {SEED_TABLE} ORDER BY seeded_at DESC LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return {**json.loads(row[1]), "seeded_at": row[0].isoformat()}
