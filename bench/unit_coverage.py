"""The coverage of units (issue 14, SPEC §13) at SPEC §10 volume: the page
`/coverage/` for a province coordinator (their whole subtree as a tree; the
"units under" field is searchable, so the page lists no choices), and the API's `/api/v1/units/coverage/` (50 units
a page, with the count) for the province coordinator and the coordinator of
everything (~5,000 units).

Each is measured as bench.pages measures a page (whole requests through the test
Client: p50/p95, queries, bytes) against a floor: hand-written SQL for the same
rows in the same order (the last inspection per unit by a LATERAL ... LIMIT 1, the
recommendation counts grouped by addressee), as JSON. `same_rows` compares the
units the page lists (or the API returns) with the floor's. The page for the
coordinator of everything, every unit at once, is measured too, without a floor
(`scaling`): its query count must equal the province's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from bench.common import BenchContext, sql_dicts, to_json
from bench.pages import SLOW_P95_MS, measure_page, measure_variant
from checklists.clashes.types import years_before
from checklists.models import Recommendation, Unit, User, Visit

PER_PAGE = 50
PENDING = [str(s) for s in Recommendation.PENDING_STATES]

ENTRIES = """
SELECT un.id, un.name, un.name_en, un.code, un.kind, un.parent_id, un.path,
       lv.id AS last_visit, lv.window_end, lv.outline,
       (lv.id IS NULL OR lv.window_end <= %(cutoff)s) AS due_again,
       coalesce(rc.open, 0) AS open_recommendations,
       coalesce(rc.late, 0) AS late_recommendations
FROM checklists_unit un
LEFT JOIN LATERAL (
    SELECT v.id, v.window_end, o.code AS outline
    FROM checklists_visit v JOIN checklists_outline o ON o.id = v.outline_id
    WHERE v.host_unit_id = un.id AND v.status <> %(cancelled)s AND v.window_end <= %(now)s
    ORDER BY v.window_end DESC, v.id DESC LIMIT 1
) lv ON TRUE
LEFT JOIN (
    SELECT r.addressee_id, count(*) AS open,
           count(*) FILTER (WHERE r.due_date < %(today)s) AS late
    FROM checklists_recommendation r JOIN checklists_unit a ON a.id = r.addressee_id
    WHERE r.state = ANY(%(pending)s) AND a.path LIKE %(prefix)s
    GROUP BY r.addressee_id
) rc ON rc.addressee_id = un.id
WHERE un.path LIKE %(prefix)s
ORDER BY un.path
"""
COUNT = "SELECT count(*) AS n FROM checklists_unit un WHERE un.path LIKE %(prefix)s"


def _params(user: User) -> dict[str, Any]:
    now = timezone.now()
    scope = None if user.coordinates_everything else user.coordinator_scope
    return {
        "now": now,
        "today": timezone.localdate(now),
        "cutoff": years_before(now, settings.REINSPECTION_YEARS),
        "cancelled": str(Visit.Status.CANCELLED),
        "pending": PENDING,
        "prefix": (scope.path if scope else "/") + "%",
    }


def page_floor(user: User) -> Callable[[], str]:
    """The page's rows: every unit of the subtree with its entry."""

    def floor() -> str:
        return to_json({"rows": sql_dicts(ENTRIES, _params(user))})

    return floor


def api_floor(user: User) -> Callable[[], str]:
    """The API's first page: 50 entries in tree order, and the count."""

    def floor() -> str:
        params = _params(user)
        return to_json(
            {
                "count": sql_dicts(COUNT, params)[0]["n"],
                "results": sql_dicts(f"{ENTRIES} LIMIT {PER_PAGE}", params),
            }
        )

    return floor


def page_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li id="unit-(\d+)">', html)]


def floor_ids(output: str) -> list[int]:
    return [row["id"] for row in json.loads(output)["rows"]]


def api_ids(output: str) -> list[int]:
    data = json.loads(output)
    return [row.get("unit", row.get("id")) for row in data["results"]]


def run(ctx: BenchContext) -> dict[str, Any]:
    everyone, province = ctx.everything_coordinator, ctx.province_coordinator
    page_is = (
        "1 statement: the subtree's units with their last inspection (LATERAL … LIMIT 1) "
        "and recommendation counts (grouped by addressee); as JSON"
    )
    api_is = "2 statements: the count and the first 50 units with their entries; as JSON"
    cases = {
        "page_province": measure_page(
            ctx,
            province,
            "/coverage/",
            floor=page_floor(province),
            floor_is=page_is,
            page_ids=page_ids,
            floor_ids=floor_ids,
        ),
        "api_province": measure_page(
            ctx,
            province,
            "/api/v1/units/coverage/",
            floor=api_floor(province),
            floor_is=api_is,
            page_ids=api_ids,
            floor_ids=api_ids,
        ),
        "api_everything": measure_page(
            ctx,
            everyone,
            "/api/v1/units/coverage/",
            floor=api_floor(everyone),
            floor_is=api_is + " (of every unit)",
            page_ids=api_ids,
            floor_ids=api_ids,
        ),
    }
    scaling = {
        "page_everything": measure_variant(
            ctx, everyone, "/coverage/", what="coordinator of everything: every unit", ids=page_ids
        ),
    }
    scaling["page_everything"]["queries_of_measured_page"] = cases["page_province"]["queries"]
    return {
        "p95_ms_slow_above": SLOW_P95_MS,
        "units": Unit.objects.count(),
        "province_units": cases["page_province"]["rows"],
        "slow": [name for name, case in cases.items() if case["slow"]],
        "cases": cases,
        "scaling": scaling,
    }
