"""The floors of the page benchmark (bench.pages): for each page, the hand-written
SQL that fetches the same rows the page shows, encoded as JSON, and how to read the
row ids back from the page's HTML and from the floor's output (`same_rows`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings

from bench.common import sql_dicts, to_json
from checklists.limits import MAX_SUGGESTIONS
from checklists.models import User
from checklists.selectors import FINISHED_VISIT_STATUSES, SETTLED, TEAM_ROLE_ORDER
from checklists.selectors.notifications import LATEST_UNREAD as LATEST_NOTIFICATIONS
from web.forms_dashboard import DeadlineFilterForm
from web.views.conclusion import EARLIER_SHOWN
from web.views.dashboard import DEADLINE_VISITS_PER_PAGE, OVERVIEW_VISITS_PER_PAGE

# --- who sees what, in SQL ------------------------------------------------------------------


def visible_where(user: User) -> str:
    """checklists.selectors.visits_visible_to as a condition on `v` (parameters:
    visibility_params): the same visits, written as a DBA would, a UNION of index
    lookups. The selector's OR of `IN (subquery)` conditions makes PostgreSQL guess
    thousands of visible visits where a province has a few hundred, and that guess
    can push a statement's estimated cost past `jit_above_cost` (see the report);
    the floor is the least work for the same rows, so it does not share the guess."""
    if user.coordinates_everything:
        return "TRUE"
    parts = ["SELECT t.visit_id FROM checklists_teammembership t WHERE t.user_id = %(user)s"]
    if user.is_coordinator and user.coordinator_scope_id is not None:
        parts.append(
            "SELECT sv.id FROM checklists_visit sv JOIN checklists_unit s ON s.id = sv.host_unit_id "
            "WHERE s.path LIKE %(prefix)s"
        )
    if user.host_unit_id is not None:
        parts.append("SELECT hv.id FROM checklists_visit hv WHERE hv.host_unit_id = %(host_unit)s")
    return "v.id IN (" + " UNION ".join(parts) + ")"


def mine_where(user: User) -> str:
    """checklists.selectors.involvement_q on `v`: on the team, or the host."""
    mine = "v.id IN (SELECT t.visit_id FROM checklists_teammembership t WHERE t.user_id = %(user)s)"
    if user.host_unit_id is not None:
        mine += " OR v.host_unit_id = %(host_unit)s"
    return f"({mine})"


def visibility_params(user: User) -> dict[str, Any]:
    scope = user.coordinator_scope if user.coordinator_scope_id else None
    return {
        "user": user.pk,
        "prefix": scope.path + "%" if scope else None,
        "host_unit": user.host_unit_id,
    }


def units_where(user: User) -> str:
    """checklists.selectors.units_visible_to as a condition on `un`."""
    if user.coordinates_everything:
        return "TRUE"
    parts = [
        f"un.id IN (SELECT v.host_unit_id FROM checklists_visit v WHERE {visible_where(user)})"
    ]
    if user.host_unit_id is not None:
        parts.append("un.id = %(host_unit)s")
    if user.is_coordinator and user.coordinator_scope_id is not None:
        parts.append("un.path LIKE %(prefix)s")
    return "(" + " OR ".join(parts) + ")"


def _common_params(user: User, today: dt.date) -> dict[str, Any]:
    return {
        **visibility_params(user),
        "today": today,
        "soon": today + dt.timedelta(days=settings.MILESTONE_DUE_SOON_DAYS),
        "finished": [str(status) for status in FINISHED_VISIT_STATUSES],
        "settled": [str(status) for status in SETTLED],
    }


# --- the overview: /visits/ ------------------------------------------------------------------

# One statement: every visible visit's overdue and due-soon counts and first session
# (its window_start, which the session services keep in step)
# (both needed by the default order, so for all of them), one LATERAL per visit for
# both counts where the ORM has two correlated subqueries; the total by a window
# before the LIMIT; the checklist counts for the 50 rows of the page only.
OVERVIEW_FLOOR = """
SELECT p.id, p.code, p.title, p.status, p.host_unit_name, p.first_session,
       p.overdue_count, p.due_soon_count, p.total, ic.items_total, ic.items_settled
FROM (
    SELECT v.id, v.code, v.title, v.status, un.name AS host_unit_name,
           v.window_start AS first_session,
           CASE WHEN v.status = ANY(%(finished)s) THEN 0 ELSE ms.overdue END AS overdue_count,
           CASE WHEN v.status = ANY(%(finished)s) THEN 0 ELSE ms.due_soon END AS due_soon_count,
           count(*) OVER () AS total
    FROM checklists_visit v
    JOIN checklists_unit un ON un.id = v.host_unit_id
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE m.due_date < %(today)s) AS overdue,
               count(*) FILTER (WHERE m.due_date >= %(today)s) AS due_soon
        FROM checklists_milestone m
        WHERE m.visit_id = v.id AND m.done_at IS NULL AND m.due_date <= %(soon)s
    ) ms
    WHERE {visible} {only_overdue}
    ORDER BY overdue_count DESC, v.window_start DESC NULLS LAST, v.id DESC
    LIMIT %(limit)s
) p
CROSS JOIN LATERAL (
    SELECT count(*) AS items_total, count(*) FILTER (WHERE i.status = ANY(%(settled)s)) AS items_settled
    FROM checklists_checklistitem i WHERE i.visit_id = p.id
) ic
ORDER BY p.overdue_count DESC, p.first_session DESC NULLS LAST, p.id DESC
"""


def overview_floor(user: User, today: dt.date, *, overdue: bool) -> Callable[[], str]:
    only_overdue = "AND v.status <> ALL(%(finished)s) AND ms.overdue > 0" if overdue else ""
    page_sql = OVERVIEW_FLOOR.format(visible=visible_where(user), only_overdue=only_overdue)
    params = {**_common_params(user, today), "limit": OVERVIEW_VISITS_PER_PAGE}

    def floor() -> str:
        rows = sql_dicts(page_sql, params)
        total = rows[0]["total"] if rows else 0
        for row in rows:
            del row["total"]
            row["progress"] = (
                round(row["items_settled"] / row["items_total"], 4) if row["items_total"] else 0.0
            )
        # The unit filter lists no units: it offers them as the person types.
        return to_json({"count": total, "results": rows})

    return floor


def overview_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-visit="(\d+)"', html)]


def overview_floor_ids(output: str) -> list[int]:
    return [row["id"] for row in json.loads(output)["results"]]


# --- my deadlines: /deadlines/ -------------------------------------------------------------

# milestones_open_for: open deadlines of the running visits the person sees
# (`mine`: of visits they are on the team of or host), due by `until` if given.
OPEN_MILESTONES = """
SELECT m.id, m.visit_id, m.title, m.title_en, m.due_date, m.responsible
FROM checklists_milestone m JOIN checklists_visit v ON v.id = m.visit_id
WHERE m.done_at IS NULL AND v.status <> ALL(%(finished)s) AND {visible} {mine} {until}
"""
# The totals above the list and the number of visits (the paginator's count):
# one statement over the open deadlines.
DEADLINES_TOTALS = """
WITH open AS ({open})
SELECT (SELECT count(DISTINCT visit_id) FROM open) AS visits,
       (SELECT count(*) FROM open WHERE due_date < %(today)s) AS overdue,
       (SELECT count(*) FROM open WHERE due_date >= %(today)s AND due_date <= %(soon)s)
           AS due_soon
"""
# The page: the 20 visits with the earliest open deadline, each with its deadlines.
DEADLINES_PAGE = """
WITH open AS ({open}),
page AS (
    SELECT visit_id, min(due_date) AS first_due FROM open
    GROUP BY visit_id ORDER BY first_due, visit_id LIMIT %(limit)s
)
SELECT p.visit_id, v.code AS visit_code, v.title AS visit_title, v.status AS visit_status,
       un.name AS host_unit_name, o.id, o.title, o.title_en, o.due_date, o.responsible,
       CASE WHEN o.due_date < %(today)s THEN 'overdue'
            WHEN o.due_date <= %(soon)s THEN 'due_soon'
            ELSE 'upcoming' END AS state,
       o.due_date - %(today)s AS days_left
FROM page p
JOIN open o ON o.visit_id = p.visit_id
JOIN checklists_visit v ON v.id = p.visit_id
JOIN checklists_unit un ON un.id = v.host_unit_id
ORDER BY p.first_due, p.visit_id, o.due_date, o.id
"""
NOTIFICATIONS = """
SELECT id, title, body, milestone_id, visit_id, created_at FROM checklists_notification
WHERE recipient_id = %(user)s AND read_at IS NULL
ORDER BY created_at DESC, id DESC LIMIT %(latest)s
"""
UNREAD = """
SELECT count(*) AS n FROM checklists_notification
WHERE recipient_id = %(user)s AND read_at IS NULL
"""


def deadlines_floor(
    user: User, today: dt.date, *, mine: bool, horizon: str = DeadlineFilterForm.DEFAULT_HORIZON
) -> Callable[[], str]:
    days = DeadlineFilterForm.HORIZONS[horizon]
    open_sql = OPEN_MILESTONES.format(
        visible=visible_where(user),
        mine=f"AND {mine_where(user)}" if mine else "",
        until="" if days is None else "AND m.due_date <= %(until)s",
    )
    totals_sql = DEADLINES_TOTALS.format(open=open_sql)
    page_sql = DEADLINES_PAGE.format(open=open_sql)
    params = {
        **_common_params(user, today),
        "until": None if days is None else today + dt.timedelta(days=days),
        "limit": DEADLINE_VISITS_PER_PAGE,
        "latest": LATEST_NOTIFICATIONS,
    }
    english = user.language == "en"

    def floor() -> str:
        totals = sql_dicts(totals_sql, params)[0]
        groups: dict[int, dict[str, Any]] = {}
        for row in sql_dicts(page_sql, params):
            visit_id = row.pop("visit_id")
            group = groups.get(visit_id)
            if group is None:
                group = groups[visit_id] = {
                    "visit": {
                        "id": visit_id,
                        "code": row.pop("visit_code"),
                        "title": row.pop("visit_title"),
                        "status": row.pop("visit_status"),
                        "host_unit_name": row.pop("host_unit_name"),
                    },
                    "rows": [],
                }
            title_en = row.pop("title_en")
            if english and title_en:
                row["title"] = title_en
            group["rows"].append(
                {k: v for k, v in row.items() if not k.startswith(("visit_", "host_"))}
            )
        notifications = sql_dicts(NOTIFICATIONS, params)
        unread = (
            len(notifications)
            if len(notifications) < LATEST_NOTIFICATIONS
            else sql_dicts(UNREAD, params)[0]["n"]
        )
        return to_json(
            {
                **totals,
                "groups": list(groups.values()),
                "unread": unread,
                "notifications": notifications,
            }
        )

    return floor


def deadlines_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="visit-(\d+)-heading"', html)]


def deadline_rows(html: str) -> list[str]:
    """The deadlines listed (of every visit on the page)."""
    return re.findall(r'<tr class="deadline-', html)


def deadlines_floor_ids(output: str) -> list[int]:
    return [group["visit"]["id"] for group in json.loads(output)["groups"]]


# --- the visit page: /visits/<id>/ ------------------------------------------------------------

VISIT_FLOOR = """
SELECT v.id, v.code, v.title, v.status, v.decision_ref, v.row_version, v.host_unit_id,
       un.name AS host_unit_name, un.path AS host_unit_path,
       o.code AS outline_code, o.version AS outline_version, o.title AS outline_title,
       o.title_en AS outline_title_en,
       (SELECT t.role FROM checklists_teammembership t
         WHERE t.visit_id = v.id AND t.user_id = %(user)s LIMIT 1) AS my_role
FROM checklists_visit v
JOIN checklists_unit un ON un.id = v.host_unit_id
JOIN checklists_outline o ON o.id = v.outline_id
WHERE v.id = %(visit)s AND {visible}
"""
VISIT_SESSIONS = """
SELECT id, start, "end", location FROM checklists_workingsession
WHERE visit_id = %(visit)s ORDER BY start, id
"""
VISIT_TEAM = """
SELECT t.role, u.id, u.username, u.full_name
FROM checklists_teammembership t JOIN checklists_user u ON u.id = t.user_id
WHERE t.visit_id = %(visit)s
ORDER BY array_position(%(roles)s::text[], t.role::text) NULLS LAST, u.full_name, u.username
"""
VISIT_CONTACTS = """
SELECT id, username, full_name, email FROM checklists_user
WHERE host_unit_id = %(host_unit)s AND is_active ORDER BY full_name, username
"""
VISIT_MILESTONES = """
SELECT m.id, m.title, m.title_en, m.due_date, m.responsible, m.done_at,
       d.username AS done_by_username, d.full_name AS done_by_name
FROM checklists_milestone m LEFT JOIN checklists_user d ON d.id = m.done_by_id
WHERE m.visit_id = %(visit)s ORDER BY m.due_date, m.id
"""
VISIT_ITEMS = """
SELECT i.id, i.origin, i.section_number, i.section_title, i.section_title_en,
       i.section_position, i.number, i.text, i.text_en, i.answer_type, i.answer, i.status,
       i.due_date, i.finding, i.internal_note, i.row_version,
       u.username AS assignee_username, u.full_name AS assignee_name
FROM checklists_checklistitem i LEFT JOIN checklists_user u ON u.id = i.assignee_id
WHERE i.visit_id = %(visit)s
ORDER BY i.section_position, i.position, i.id
"""
VISIT_REVISIONS = """
SELECT r.id, r.number, r.original_name, r.size, r.uploaded_at, r.state, r.text_status,
       u.username AS uploaded_by_username, u.full_name AS uploaded_by_name,
       (SELECT count(*) FROM checklists_reviewcomment c
         WHERE c.revision_id = r.id AND c.state = 'open') AS open_comment_count
FROM checklists_reportrevision r LEFT JOIN checklists_user u ON u.id = r.uploaded_by_id
WHERE r.visit_id = %(visit)s ORDER BY r.number DESC
"""


# The conclusion block: the visit's current conclusion (with its issuer's symbol,
# its number's), and the earlier visits' open recommendations to the unit or a
# unit under it that the person sees (the first EARLIER_SHOWN, and one more to
# know whether there are more).
VISIT_CONCLUSION = """
SELECT c.id, c.state, c.register_year, c.number, c.issued_on, iu.document_symbol
FROM checklists_conclusion c LEFT JOIN checklists_unit iu ON iu.id = c.issuer_id
WHERE c.visit_id = %(visit)s AND c.state IN ('draft', 'issued') LIMIT 1
"""
VISIT_EARLIER_RECOMMENDATIONS = """
SELECT r.id, r.code, r.text, r.due_date, r.state, r.visit_id, a.name AS addressee_name,
       v.code AS visit_code, v.title AS visit_title
FROM checklists_recommendation r
JOIN checklists_unit a ON a.id = r.addressee_id
JOIN checklists_visit v ON v.id = r.visit_id
WHERE r.state IN ('open', 'reported') AND a.path LIKE %(unit_prefix)s
  AND r.visit_id <> %(visit)s AND ({visible})
ORDER BY r.due_date, r.id LIMIT %(earlier)s
"""

# The documents block: the visit's issued copies (documents_visible_to: for the
# team and coordinators every copy of the visit; the draft links need no row).
VISIT_DOCUMENTS = """
SELECT d.id, d.kind, d.format, d.number, d.issued_on, d.sha256
FROM checklists_document d
WHERE d.visit_id = %(visit)s ORDER BY d.issued_on, d.id
"""


def recommendations_visible_where(user: User) -> str:
    """checklists.selectors.conclusions.recommendations_visible_to as a condition
    on `r` joined to its visit `v`: the visits the person sees as a member or a
    coordinator; as a host contact, the issued ones of the unit or to it."""
    if user.coordinates_everything:
        return "TRUE"
    parts = [
        "r.visit_id IN (SELECT t.visit_id FROM checklists_teammembership t "
        "WHERE t.user_id = %(user)s)"
    ]
    if user.is_coordinator and user.coordinator_scope_id is not None:
        parts.append(
            "v.host_unit_id IN (SELECT s.id FROM checklists_unit s WHERE s.path LIKE %(prefix)s)"
        )
    if user.host_unit_id is not None:
        parts.append(
            "(r.state <> 'draft' AND (v.host_unit_id = %(my_unit)s "
            "OR r.addressee_id = %(my_unit)s))"
        )
    return " OR ".join(parts)


def visit_floor(user: User, visit_id: int) -> Callable[[], str]:
    """Everything the visit page shows, one statement per list (the visit with its
    unit, outline and the person's role; sessions; team; host contacts; deadlines;
    checklist; revisions; the conclusion and the earlier visits' open
    recommendations; the issued documents); the progress figure is counted from
    the items fetched."""
    visit_sql = VISIT_FLOOR.format(visible=visible_where(user))
    earlier_sql = VISIT_EARLIER_RECOMMENDATIONS.format(visible=recommendations_visible_where(user))
    params = {
        **visibility_params(user),
        "visit": visit_id,
        "roles": [str(role) for role in TEAM_ROLE_ORDER],
        "earlier": EARLIER_SHOWN + 1,
        # (`host_unit` is the visit's below; the person's own unit is this.)
        "my_unit": user.host_unit_id,
    }

    def floor() -> str:
        visit = sql_dicts(visit_sql, params)[0]
        own = {
            **params,
            "host_unit": visit["host_unit_id"],
            "unit_prefix": visit["host_unit_path"] + "%",
        }
        items = sql_dicts(VISIT_ITEMS, own)
        for item in items:
            # Django loads jsonb as text and leaves decoding to JSONField; so does the floor.
            if item["answer"] is not None:
                item["answer"] = json.loads(item["answer"])
        settled = sum(item["status"] in SETTLED for item in items)
        return to_json(
            {
                "visit": visit,
                "sessions": sql_dicts(VISIT_SESSIONS, own),
                "team": sql_dicts(VISIT_TEAM, own),
                "host_contacts": sql_dicts(VISIT_CONTACTS, own),
                "milestones": sql_dicts(VISIT_MILESTONES, own),
                "items": items,
                "progress": {"settled": settled, "total": len(items)},
                "revisions": sql_dicts(VISIT_REVISIONS, own),
                "conclusion": sql_dicts(VISIT_CONCLUSION, own),
                "earlier_recommendations": sql_dicts(earlier_sql, own),
                "documents": sql_dicts(VISIT_DOCUMENTS, own),
            }
        )

    return floor


def visit_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li id="item-(\d+)"', html)]


def visit_floor_ids(output: str) -> list[int]:
    return [item["id"] for item in json.loads(output)["items"]]


# --- the calendar page: /calendar/ (the HTML shell; its events are bench.calendar's) -----------

LIVE_FEEDS = """
SELECT id, name, token_prefix, created_at, last_used_at FROM checklists_calendarfeed
WHERE owner_id = %(user)s AND revoked_at IS NULL ORDER BY created_at DESC, id DESC
"""


# The subscription form's suggestions before anything is typed
# (checklists.selectors.feeds): the visits the person is on the team of or hosts,
# newest first, and the units of those visits with their own unit, in tree order.
FEED_VISITS = """
SELECT v.id, v.code, v.title, v.classification, un.name AS host_unit_name, un.name_en
FROM checklists_visit v JOIN checklists_unit un ON un.id = v.host_unit_id
WHERE {visible} AND {mine} ORDER BY v.id DESC LIMIT %(suggestions)s
"""
FEED_UNITS = """
SELECT un.id, un.code, un.name, un.name_en FROM checklists_unit un
WHERE {units} AND (un.id = %(host_unit)s OR un.id IN (
    SELECT v.host_unit_id FROM checklists_visit v WHERE {visible} AND {mine}))
ORDER BY un.path LIMIT %(suggestions)s
"""


def calendar_floor(user: User) -> Callable[[], str]:
    """The shell's only rows: the person's live feeds and the subscription form's
    suggestions (the unit filter offers units as the person types: none listed)."""
    where = {"visible": visible_where(user), "mine": mine_where(user)}
    visits_sql = FEED_VISITS.format(**where)
    units_sql_ = FEED_UNITS.format(units=units_where(user), **where)
    params = {**visibility_params(user), "suggestions": MAX_SUGGESTIONS}

    def floor() -> str:
        visits = sql_dicts(visits_sql, params)
        for visit in visits:
            visit["token"] = visit["code"] or f"#{visit['id']}"
        return to_json(
            {
                "feeds": sql_dicts(LIVE_FEEDS, params),
                "visits": visits,
                "units": sql_dicts(units_sql_, params),
            }
        )

    return floor


def calendar_ids(html: str) -> list[str]:
    """The subscription form's suggestions: visit tokens, then unit codes."""
    found: list[str] = []
    for kind in ("visit", "host_unit"):
        datalist = re.search(rf'<datalist id="feed-{kind}-options">(.*?)</datalist>', html, re.S)
        found += re.findall(r'<option value="([^"]+)"', datalist.group(1)) if datalist else []
    return found


def calendar_floor_ids(output: str) -> list[str]:
    floor = json.loads(output)
    return [v["token"] for v in floor["visits"]] + [u["code"] for u in floor["units"]]
