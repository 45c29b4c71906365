"""The scale seed's options (bench.seed_scale): its command line, and the checks
that refuse a shape it cannot build."""

from __future__ import annotations

import argparse
from typing import Any

from bench.seed_data import PROVINCES
from bench.seed_loader import SeedError

DESCRIPTION = (
    "Fill the database with the volume of SPEC §10 (10,000 visits, 200,000 milestones, "
    "500,000 checklist items by default) plus units, people, sessions and teams. "
    "It refuses to run when the database already holds visits; pass --append to add "
    "a further independent data set beside them. PostgreSQL is loaded with COPY, "
    "other databases with bulk_create."
)


# The fewest pages whose sections hold the paragraphs a revision changes.
MIN_REPORT_PAGES = 4


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_scale", description=DESCRIPTION)
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--milestones-per-visit", type=int, default=20)
    parser.add_argument(
        "--items-per-visit", type=int, default=50, help="Outline items copied into each visit."
    )
    parser.add_argument(
        "--big-visits",
        type=int,
        default=10,
        help="Visits (at most --visits) whose checklist grows to --big-visit-items with "
        "items of their own.",
    )
    parser.add_argument("--big-visit-items", type=int, default=300)
    parser.add_argument(
        "--report-pages",
        type=int,
        default=30,
        help="Pages of the measured draft reports (three revisions each, for the revision "
        "page); the others have the fewest (MIN_REPORT_PAGES) in two.",
    )
    parser.add_argument("--provinces", type=int, default=len(PROVINCES))
    parser.add_argument("--districts", type=int, default=700)
    parser.add_argument("--grassroots", type=int, default=4_200)
    parser.add_argument(
        "--coordinators-per-province", type=int, default=2, help="Coordinators scoped to it."
    )
    parser.add_argument(
        "--inspectors-per-province",
        type=int,
        default=12,
        help="People the province's teams are drawn from (at least 6).",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=20_251_001,
        help="Random seed: the same seed gives the same data, dated relative to today.",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=5_000,
        help="Rows per bulk_create batch; PostgreSQL streams each table through one COPY.",
    )
    parser.add_argument(
        "--password",
        default="",
        help="Give every seeded person this password (hashed once); default: unusable.",
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="Run even though the database already holds visits, adding a new data set.",
    )
    return parser


def check_options(options: dict[str, Any]) -> None:
    positive = (
        "visits", "items_per_visit", "provinces", "districts", "batch_size",
    )  # fmt: skip
    for name in positive:
        if options[name] < 1:
            raise SeedError(f"--{name.replace('_', '-')} must be at least 1.")
    for name in ("milestones_per_visit", "big_visits", "grassroots"):
        if options[name] < 0:
            raise SeedError(f"--{name.replace('_', '-')} cannot be negative.")
    if options["report_pages"] < MIN_REPORT_PAGES:
        # Each revision changes eight paragraphs of every section (bench.comparison).
        raise SeedError(f"--report-pages must be at least {MIN_REPORT_PAGES}.")
    if options["coordinators_per_province"] < 1:
        raise SeedError("--coordinators-per-province must be at least 1.")
    if options["inspectors_per_province"] < 6:
        raise SeedError("--inspectors-per-province must be at least 6 (teams of 3–6).")
    if options["big_visits"] and options["big_visit_items"] < options["items_per_visit"]:
        raise SeedError("--big-visit-items cannot be below --items-per-visit.")
    if options["provinces"] > options["districts"]:
        raise SeedError("--districts must be at least --provinces (one per province).")


def default_options() -> dict[str, Any]:
    """Every option at its default, as `seed_scale(**overrides)` starts from."""
    return vars(build_parser().parse_args([]))
