"""The floor of the revision page (/visits/<id>/reports/<revision>/, bench.pages): the
hand-written SQL for what the page shows, encoded as JSON, and how to read its rows
back from the HTML and from the floor's output (`same_rows`).

What the page shows: the visit (the person's role, the unit's name), the revision,
the visit's revisions (the navigation and "compare with"), the revision's reviews
and comments (with their counters), the outline's sections (the comment form's
choices and the coverage), the outline coverage of the revision's text, and the
kept comparison with the previous revision, its unchanged paragraphs folded.
The coverage and the folding are the page's own arithmetic on the rows (as the
visit page's progress is counted from its items): the floor does them with the
same functions, so that it encodes exactly the rows shown.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

from django.db.models.functions import Length

from bench.common import sql_dicts, to_json
from bench.page_floors import VISIT_FLOOR, visibility_params, visible_where
from checklists.coverage import SectionRef, outline_coverage
from checklists.models import ReportRevision, User
from web.views.comparison import section_rows

REVISION = """
SELECT r.id, r.number, r.original_name, r.size, r.uploaded_at, r.state, r.text_status, r.text,
       u.username AS uploaded_by_username, u.full_name AS uploaded_by_name
FROM checklists_reportrevision r LEFT JOIN checklists_user u ON u.id = r.uploaded_by_id
WHERE r.id = %(revision)s AND r.visit_id = %(visit)s
"""
REVISIONS = """
SELECT id, number, state FROM checklists_reportrevision
WHERE visit_id = %(visit)s ORDER BY number DESC
"""
REVIEWS = """
SELECT w.id, w.decision, w.created_at, u.username AS reviewer_username,
       u.full_name AS reviewer_name
FROM checklists_review w LEFT JOIN checklists_user u ON u.id = w.reviewer_id
WHERE w.revision_id = %(revision)s ORDER BY w.created_at, w.id
"""
COMMENTS = """
SELECT c.id, c.state, c.text, c.created_at, c.response, c.responded_at, c.carried_from_id,
       a.username AS author_username, a.full_name AS author_name,
       s.number AS section_number, s.title AS section_title,
       b.username AS responded_by_username, b.full_name AS responded_by_name,
       fr.number AS carried_from_number
FROM checklists_reviewcomment c
LEFT JOIN checklists_user a ON a.id = c.author_id
LEFT JOIN checklists_outlinesection s ON s.id = c.section_id
LEFT JOIN checklists_user b ON b.id = c.responded_by_id
LEFT JOIN checklists_reviewcomment f ON f.id = c.carried_from_id
LEFT JOIN checklists_reportrevision fr ON fr.id = f.revision_id
WHERE c.revision_id = %(revision)s ORDER BY c.created_at, c.id
"""
SECTIONS = """
SELECT id, number, title FROM checklists_outlinesection
WHERE outline_id = (SELECT outline_id FROM checklists_visit WHERE id = %(visit)s)
ORDER BY position, id
"""
KEPT = """
SELECT result, inserted, deleted FROM checklists_revisioncomparison
WHERE revision_id = %(revision)s AND against_id = %(against)s
"""


def revision_floor(user: User, visit_id: int, revision_id: int) -> Callable[[], str]:
    """Everything the revision page shows, one statement per list; the comparison
    is the kept one with the previous revision (the page's default)."""
    visit_sql = VISIT_FLOOR.format(visible=visible_where(user))
    params = {**visibility_params(user), "visit": visit_id, "revision": revision_id}

    def floor() -> str:
        visit = sql_dicts(visit_sql, params)[0]
        revision = sql_dicts(REVISION, params)[0]
        revisions = sql_dicts(REVISIONS, params)
        comments = sql_dicts(COMMENTS, params)
        sections = sql_dicts(SECTIONS, params)
        text = revision.pop("text")
        still_open = [c for c in comments if c["state"] == "open"]
        earlier = [r for r in revisions if r["number"] < revision["number"]]
        diff: dict[str, Any] | None = None
        if earlier:
            kept = sql_dicts(KEPT, {**params, "against": earlier[0]["id"]})[0]
            # Django loads jsonb as text and leaves decoding to JSONField; so does the floor.
            changed = [s for s in json.loads(kept["result"])["sections"] if s["changed"]]
            diff = {
                "against": earlier[0]["number"],
                "inserted": kept["inserted"],
                "deleted": kept["deleted"],
                "changed": [
                    {
                        "number": s["number"],
                        "title": s["title"],
                        "rows": [dataclasses.asdict(r) for r in section_rows(s["changes"])],
                    }
                    for s in changed
                ],
            }
        coverage = outline_coverage(text, [SectionRef(s["number"], s["title"]) for s in sections])
        return to_json(
            {
                "visit": visit,
                "revision": revision,
                "revisions": revisions,
                "reviews": sql_dicts(REVIEWS, params),
                "comments": comments,
                "counts": {
                    "open": len(still_open),
                    "unanswered": sum(1 for c in still_open if not c["response"]),
                },
                "sections": sections,
                "coverage": [dataclasses.asdict(c) for c in coverage],
                "diff": diff,
            }
        )

    return floor


def revision_ids(html: str) -> list[Any]:
    """The comments listed, then each changed section with its number of rows."""
    shown: list[Any] = [int(pk) for pk in re.findall(r'<li id="comment-(\d+)"', html)]
    for chunk in html.split('<section id="change-')[1:]:
        if 'class="comparison-section unchanged"' in chunk.split(">", 1)[0]:
            continue
        shown.append(len(re.findall(r'<li class="comparison-(?:row|fold)', chunk)))
    return shown


def revision_floor_ids(output: str) -> list[Any]:
    data = json.loads(output)
    shown: list[Any] = [comment["id"] for comment in data["comments"]]
    if data["diff"] is not None:
        shown.extend(len(section["rows"]) for section in data["diff"]["changed"])
    return shown


def comparison_rows(html: str) -> list[str]:
    """The comparison's rows on the page (its changed and context paragraphs, folds)."""
    return re.findall(r'<li class="comparison-(?:row|fold)', html)


def measured_revision(visit_ids: list[int], *, most: bool = True) -> ReportRevision | None:
    """The latest revision (the one not superseded) with a kept comparison of one of
    these visits: of the visit with the longest text (`most`), else the shortest."""
    return (
        ReportRevision.objects.filter(visit_id__in=visit_ids, comparisons__isnull=False)
        .exclude(state=ReportRevision.State.SUPERSEDED)
        .annotate(text_size=Length("text"))
        .order_by("-text_size" if most else "text_size", "id")
        .only("id", "visit_id", "number")
        .first()
    )
