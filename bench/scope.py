"""A coordinator's overview: one page of 50 visible visits with checklist progress.

The ORM path is the selectors as they are (`visits_visible_to` +
`visits_with_progress`, newest first) plus the total count a paginated list needs.
The floor gets the same page with correlated counts per visit, which only touch
the 50 visits on the page; the ratio shows what the selector's GROUP BY over
every visible visit costs. Measured for the busiest province's coordinator and
for the coordinator of everything.
"""

from __future__ import annotations

from typing import Any

from bench.common import BenchContext, compare, sql_dicts, to_json
from checklists.models import User
from checklists.selectors import visit_progress, visits_visible_to, visits_with_progress

PAGE = 50

FLOOR_PAGE = """
SELECT v.id, v.code, v.title, v.status, v.host_unit_id, u.name AS host_unit_name,
       (SELECT count(*) FROM checklists_checklistitem i WHERE i.visit_id = v.id) AS total,
       (SELECT count(*) FROM checklists_checklistitem i
         WHERE i.visit_id = v.id AND i.status IN ('done', 'not_applicable')) AS settled
FROM checklists_visit v
JOIN checklists_unit u ON u.id = v.host_unit_id
WHERE {visible}
ORDER BY v.created_at DESC, v.id DESC
LIMIT %s
"""
FLOOR_COUNT = """
SELECT count(*) AS n FROM checklists_visit v JOIN checklists_unit u ON u.id = v.host_unit_id
WHERE {visible}
"""


def orm_page(user: User) -> str:
    visible = visits_visible_to(user)
    total = visible.count()
    page = (
        visits_with_progress(visible)
        .select_related("host_unit")
        .only("id", "code", "title", "status", "host_unit", "host_unit__name")
        .order_by("-created_at", "-id")[:PAGE]
    )
    return to_json(
        {
            "count": total,
            "results": [
                {
                    "id": v.id,
                    "code": v.code,
                    "title": v.title,
                    "status": v.status,
                    "host_unit_id": v.host_unit_id,
                    "host_unit_name": v.host_unit.name,
                    "progress": visit_progress(v),
                }
                for v in page
            ],
        }
    )


def floor_page(user: User) -> str:
    if user.coordinates_everything:
        visible, params = "TRUE", []
    else:
        # The same rows as visits_visible_to for a coordinator: scope or team.
        visible = (
            "(u.path LIKE %s OR EXISTS (SELECT 1 FROM checklists_teammembership t "
            "WHERE t.visit_id = v.id AND t.user_id = %s))"
        )
        params = [user.coordinator_scope.path + "%", user.id]
    total = sql_dicts(FLOOR_COUNT.format(visible=visible), params)[0]["n"]
    rows = sql_dicts(FLOOR_PAGE.format(visible=visible), [*params, PAGE])
    results = []
    for row in rows:
        total_items, settled = row.pop("total"), row.pop("settled")
        row["progress"] = round(settled / total_items, 4) if total_items else 0.0
        results.append(row)
    return to_json({"count": total, "results": results})


def measure_for(ctx: BenchContext, user: User) -> dict[str, Any]:
    result = compare(
        lambda: orm_page(user), lambda: floor_page(user), repeat=ctx.repeat, warmup=ctx.warmup
    )
    return {
        "coordinator": user.username,
        "visible_visits": visits_visible_to(user).count(),
        "page_size": PAGE,
        **result,
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    province = measure_for(ctx, ctx.province_coordinator)
    everything = measure_for(ctx, ctx.everything_coordinator)
    return {
        # The headline figures: the province coordinator's page.
        "p50_ms": province["orm"]["p50_ms"],
        "p95_ms": province["orm"]["p95_ms"],
        "queries": province["orm"]["queries"],
        "province": province,
        "everything": everything,
    }
