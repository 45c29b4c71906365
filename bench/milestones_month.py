"""One month of milestones in one coordinator's scope: the milestone half of the
calendar (SPEC §10: calendar p95 ≤ 50 ms, ≤ 3× its floor, ≤ 5 queries).

The ORM path filters milestones by the visits `visits_visible_to` returns (a
subquery), joins the visit and host unit for the event's title, and computes each
state with `Milestone.state_on`. The floor is one hand-written join with the state
as a CASE, encoded the same way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from bench.common import BenchContext, compare, sql_dicts, to_json
from checklists.models import Milestone, User
from checklists.selectors import visits_visible_to

FIELDS = (
    "id", "visit_id", "key", "title", "due_date", "responsible", "done_at", "sequence",
    "visit__code", "visit__title", "visit__host_unit", "visit__host_unit__name",
)  # fmt: skip
TARGET_P95_MS = 50
TARGET_RATIO = 3

FLOOR = """
SELECT m.id, m.visit_id, v.code AS visit_code, v.title AS visit_title,
       v.host_unit_id, u.name AS host_unit_name, m.key, m.title, m.due_date,
       m.responsible,
       CASE WHEN m.done_at IS NOT NULL THEN 'done'
            WHEN m.due_date < %s THEN 'overdue'
            WHEN m.due_date - %s <= %s THEN 'due_soon'
            ELSE 'upcoming' END AS state,
       m.done_at, m.sequence
FROM checklists_milestone m
JOIN checklists_visit v ON v.id = m.visit_id
JOIN checklists_unit u ON u.id = v.host_unit_id
WHERE m.due_date >= %s AND m.due_date < %s
  AND (u.path LIKE %s OR EXISTS (SELECT 1 FROM checklists_teammembership t
                                 WHERE t.visit_id = v.id AND t.user_id = %s))
ORDER BY m.due_date, m.id
"""


def orm_month(user: User, first, following, today) -> str:
    milestones = (
        Milestone.objects.filter(
            visit__in=visits_visible_to(user), due_date__gte=first, due_date__lt=following
        )
        .select_related("visit__host_unit")
        .only(*FIELDS)
        .order_by("due_date", "id")
    )
    return to_json(
        [
            {
                "id": m.id,
                "visit_id": m.visit_id,
                "visit_code": m.visit.code,
                "visit_title": m.visit.title,
                "host_unit_id": m.visit.host_unit_id,
                "host_unit_name": m.visit.host_unit.name,
                "key": m.key,
                "title": m.title,
                "due_date": m.due_date,
                "responsible": m.responsible,
                "state": m.state_on(today),
                "done_at": m.done_at,
                "sequence": m.sequence,
            }
            for m in milestones
        ]
    )


def floor_month(user: User, first, following, today) -> str:
    params = [today, today, settings.MILESTONE_DUE_SOON_DAYS, first, following]
    params += [user.coordinator_scope.path + "%", user.id]
    return to_json(sql_dicts(FLOOR, params))


def run(ctx: BenchContext) -> dict[str, Any]:
    user, today = ctx.province_coordinator, ctx.today
    first, following = ctx.month()
    result = compare(
        lambda: orm_month(user, first, following, today),
        lambda: floor_month(user, first, following, today),
        repeat=ctx.repeat,
        warmup=ctx.warmup,
    )
    rows = Milestone.objects.filter(
        visit__in=visits_visible_to(user), due_date__gte=first, due_date__lt=following
    ).count()
    return {
        "coordinator": user.username,
        "month": first.isoformat()[:7],
        "milestones": rows,
        "p50_ms": result["orm"]["p50_ms"],
        "p95_ms": result["orm"]["p95_ms"],
        "queries": result["orm"]["queries"],
        "ratio_p50": result["ratio_p50"],
        "calendar_targets": {"p95_ms_max": TARGET_P95_MS, "ratio_max": TARGET_RATIO},
        **result,
    }
