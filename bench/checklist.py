"""A visit's checklist (300 items): SPEC §10 wants it in at most 5 SQL queries.

The ORM path is what a request for the checklist does once the user is known:
fetch the visit through the visibility selector (404 otherwise), then its items in
checklist order with each assignee joined in. Its floor is the same two statements
in raw SQL, encoded the same way.
"""

from __future__ import annotations

import json
from typing import Any

from bench.common import BenchContext, compare, sql_dicts, to_json
from checklists.models import ChecklistItem, User
from checklists.selectors import visits_visible_to

TARGET_QUERIES = 5

ITEM_FIELDS = (
    "id", "visit_id", "origin", "section_number", "section_title", "section_position",
    "number", "position", "text", "answer_type", "answer", "status", "assignee_id",
    "due_date", "finding", "internal_note", "row_version",
)  # fmt: skip

FLOOR_VISIT = """
SELECT v.id, v.code, v.title, v.status, v.row_version
FROM checklists_visit v
WHERE v.id = %s
  AND EXISTS (SELECT 1 FROM checklists_teammembership t WHERE t.visit_id = v.id AND t.user_id = %s)
"""
FLOOR_ITEMS = """
SELECT i.id, i.section_number, i.section_title, i.number, i.text, i.answer_type, i.answer,
       i.status, i.assignee_id, u.username AS assignee_username,
       u.full_name AS assignee_name, i.due_date, i.finding, i.internal_note, i.origin,
       i.row_version
FROM checklists_checklistitem i
LEFT JOIN checklists_user u ON u.id = i.assignee_id
WHERE i.visit_id = %s
ORDER BY i.section_position, i.position, i.id
"""


def orm_checklist(user: User, visit_id: int) -> str:
    visit = (
        visits_visible_to(user)
        .only("id", "code", "title", "status", "row_version")
        .get(pk=visit_id)
    )
    items = (
        ChecklistItem.objects.filter(visit=visit)
        .select_related("assignee")
        .only(*ITEM_FIELDS, "assignee__username", "assignee__full_name")
        .order_by("section_position", "position", "id")
    )
    return to_json(
        {
            "visit": {
                "id": visit.id,
                "code": visit.code,
                "title": visit.title,
                "status": visit.status,
                "row_version": visit.row_version,
            },
            "items": [
                {
                    "id": item.id,
                    "section_number": item.section_number,
                    "section_title": item.section_title,
                    "number": item.number,
                    "text": item.text,
                    "answer_type": item.answer_type,
                    "answer": item.answer,
                    "status": item.status,
                    "assignee_id": item.assignee_id,
                    "assignee_username": item.assignee.username if item.assignee else None,
                    "assignee_name": item.assignee.full_name if item.assignee else None,
                    "due_date": item.due_date,
                    "finding": item.finding,
                    "internal_note": item.internal_note,
                    "origin": item.origin,
                    "row_version": item.row_version,
                }
                for item in items
            ],
        }
    )


def floor_checklist(user: User, visit_id: int) -> str:
    visit = sql_dicts(FLOOR_VISIT, [visit_id, user.id])[0]
    items = sql_dicts(FLOOR_ITEMS, [visit_id])
    for item in items:
        # Django loads jsonb as text and leaves decoding to JSONField; so does the floor.
        if item["answer"] is not None:
            item["answer"] = json.loads(item["answer"])
    return to_json({"visit": visit, "items": items})


def run(ctx: BenchContext) -> dict[str, Any]:
    visit_id, user = ctx.big_visit_id, ctx.big_visit_lead
    result = compare(
        lambda: orm_checklist(user, visit_id),
        lambda: floor_checklist(user, visit_id),
        repeat=ctx.repeat,
        warmup=ctx.warmup,
    )
    return {
        "visit": visit_id,
        "viewer": "team lead",
        "items": ChecklistItem.objects.filter(visit_id=visit_id).count(),
        "queries": result["orm"]["queries"],
        "target_queries_max": TARGET_QUERIES,
        "meets_target": result["orm"]["queries"] <= TARGET_QUERIES,
        **result,
    }
