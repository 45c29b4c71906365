"""The coordinators' recommendations list (issue 13) at SPEC §10 volume: the page
`/recommendations/` (default order by unit, 50 a page, the per-unit counts, the
unit filter, which lists no units) for the coordinator of everything and for a province
coordinator, and the API's `/api/v1/recommendations/` (50 a page, with the count).

Each is measured as bench.pages measures a page (whole requests through the test
Client: p50/p95, queries, bytes) against a floor: hand-written SQL for the same
rows in the same order, as JSON. `same_rows` compares the ids the page links
(or the API lists) with the floor's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from bench.common import BenchContext, sql_dicts, to_json
from bench.page_floors import visibility_params, visible_where
from bench.pages import SLOW_P95_MS, measure_page
from checklists.models import Recommendation, User

PER_PAGE = 50
UNIT_COUNTS_SHOWN = 10
PENDING = tuple(str(s) for s in Recommendation.PENDING_STATES)

ROWS = """
    FROM checklists_recommendation r
    JOIN checklists_visit v ON v.id = r.visit_id
    JOIN checklists_unit a ON a.id = r.addressee_id
    WHERE {visible}
"""


def page_floor(user: User, ctx: BenchContext) -> Callable[[], str]:
    """The page's rows: the first 50 by unit (addressee path, due date, id) with
    what a row shows, the total for the pager, and the 10 units with the most
    late and pending ones (the unit filter lists no units: it offers them as the
    person types)."""
    rows = ROWS.format(visible=visible_where(user))
    params = {**visibility_params(user), "today": ctx.today, "pending": list(PENDING)}
    page_sql = (
        "SELECT r.id, r.code, r.text, r.state, r.due_date, r.carried_over, r.visit_id, "
        "a.name AS addressee, v.code AS visit_code, v.title AS visit_title "
        f"{rows} ORDER BY a.path, r.due_date, r.id LIMIT {PER_PAGE}"
    )
    count_sql = f"SELECT count(*) AS n {rows}"
    units_sql = (
        "SELECT r.addressee_id, a.name, count(*) AS pending, "
        "count(*) FILTER (WHERE r.due_date < %(today)s) AS late "
        f"{rows} AND r.state = ANY(%(pending)s) GROUP BY r.addressee_id, a.name, a.path "
        f"ORDER BY late DESC, pending DESC, a.name LIMIT {UNIT_COUNTS_SHOWN}"
    )

    def floor() -> str:
        return to_json(
            {
                "rows": sql_dicts(page_sql, params),
                "count": sql_dicts(count_sql, params)[0]["n"],
                "units": sql_dicts(units_sql, params),
            }
        )

    return floor


def api_floor(user: User, ctx: BenchContext) -> Callable[[], str]:
    """The API's page: the first 50 in its default order (visit, position, id)
    with every field of RecommendationSerializer, and the count."""
    rows = ROWS.format(visible=visible_where(user))
    params = {**visibility_params(user), "today": ctx.today, "pending": list(PENDING)}
    page_sql = (
        "SELECT r.id, r.visit_id AS visit, r.conclusion_id AS conclusion, r.code, r.text, "
        "NULLIF(r.section, '') AS section, r.kind, r.addressee_id AS addressee, r.due_date, "
        "r.offset_days, r.offset_working_days, r.rolled_from, r.state, "
        "(r.state = ANY(%(pending)s) AND r.due_date < %(today)s) AS overdue, r.progress, "
        "r.extended_by, r.cancel_reason, r.carried_over, r.created_at, r.updated_at "
        f"{rows} ORDER BY r.visit_id, r.position, r.id LIMIT {PER_PAGE}"
    )
    count_sql = f"SELECT count(*) AS n {rows}"

    def floor() -> str:
        return to_json(
            {
                "count": sql_dicts(count_sql, params)[0]["n"],
                "results": sql_dicts(page_sql, params),
            }
        )

    return floor


def page_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<a href="/recommendations/(\d+)/">', html)]


def floor_ids(output: str) -> list[int]:
    return [row["id"] for row in json.loads(output)["rows"]]


def api_ids(output: str) -> list[int]:
    return [row["id"] for row in json.loads(output)["results"]]


def run(ctx: BenchContext) -> dict[str, Any]:
    everyone, province = ctx.everything_coordinator, ctx.province_coordinator
    page_is = (
        "3 statements: the page of 50 by unit with addressee and visit, the count, "
        "the 10 units with the most late/pending; as JSON"
    )
    api_is = "2 statements: the count and the page of 50 with the serializer's fields; as JSON"
    cases = {
        "page_everything": measure_page(
            ctx,
            everyone,
            "/recommendations/",
            floor=page_floor(everyone, ctx),
            floor_is=page_is,
            page_ids=page_ids,
            floor_ids=floor_ids,
        ),
        "page_province": measure_page(
            ctx,
            province,
            "/recommendations/",
            floor=page_floor(province, ctx),
            floor_is=page_is + " (recommendations of the visits in the province)",
            page_ids=page_ids,
            floor_ids=floor_ids,
        ),
        "api_everything": measure_page(
            ctx,
            everyone,
            "/api/v1/recommendations/",
            floor=api_floor(everyone, ctx),
            floor_is=api_is,
            page_ids=api_ids,
            floor_ids=api_ids,
        ),
        "api_province": measure_page(
            ctx,
            province,
            "/api/v1/recommendations/",
            floor=api_floor(province, ctx),
            floor_is=api_is + " (recommendations of the visits in the province)",
            page_ids=api_ids,
            floor_ids=api_ids,
        ),
    }
    return {
        "p95_ms_slow_above": SLOW_P95_MS,
        "recommendations": Recommendation.objects.count(),
        "slow": [name for name, case in cases.items() if case["slow"]],
        "cases": cases,
    }
