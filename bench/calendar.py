"""The visit calendar (SPEC §10): `calendar/` for one month of one coordinator's
scope (p95 ≤ 50 ms in-process, ≤ 5 queries, ≤ 3× its floor) and an ICS feed of
about 2,000 events (≤ 300 ms).

- `view`: the whole `calendar/` view in-process (DRF request, validation, the three
  queries, JSON rendering), the user loaded with their scope as authentication
  leaves it.
- `selector`: checklists.calendar.calendar_events plus JSON encoding, against the
  floor: three hand-written statements, two returning the sessions' and the
  milestones' events already shaped (ids, titles, local times with offset, states)
  and one the recommendations' rows, written into events as the view writes them,
  all encoded the same way; `same_output` proves both give the same JSON, byte for
  byte.
- `feed`: the `/calendar/{token}.ics` view of a feed of the same coordinator
  (every event of the feed's window, a full answer each time), and the rendering
  of exactly 2,000 of those events alone.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone, translation
from rest_framework.test import APIRequestFactory, force_authenticate

from bench.common import (
    BenchContext,
    compare,
    count_queries,
    measure,
    rolled_back,
    sql_dicts,
    to_json,
)
from checklists.calendar import (
    CalendarRows,
    Window,
    calendar_events,
    calendar_rows,
    calendar_to_ics,
)
from checklists.calendar_recommendations import recommendation_events
from checklists.models import User

TARGET_P95_MS = 50
TARGET_QUERIES = 5
TARGET_RATIO = 3
TARGET_FEED_MS = 300
FEED_EVENTS = 2000

# Vietnam has kept +07:00 since 1975, so the floor may write the offset as text.
VISIBLE = """(u.path LIKE %(prefix)s OR EXISTS (SELECT 1 FROM checklists_teammembership t
                                              WHERE t.visit_id = v.id AND t.user_id = %(user)s))"""
FLOOR_SESSIONS = f"""
SELECT 'session-' || s.id AS id, 'session' AS kind, v.title AS title,
       to_char(s.start AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD"T"HH24:MI:SS') || '+07:00'
           AS start,
       to_char(s."end" AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD"T"HH24:MI:SS') || '+07:00'
           AS "end",
       false AS all_day, s.visit_id AS visit, v.host_unit_id AS host_unit, v.status AS state,
       '/api/v1/visits/' || s.visit_id || '/' AS url
FROM checklists_workingsession s
JOIN checklists_visit v ON v.id = s.visit_id
JOIN checklists_unit u ON u.id = v.host_unit_id
WHERE s.start < %(end)s AND s."end" > %(start)s AND {VISIBLE}
ORDER BY s.start, s.id
"""
FLOOR_MILESTONES = f"""
SELECT 'milestone-' || m.id AS id, 'milestone' AS kind,
       coalesce(nullif(m.title_en, ''), m.title) || ' — ' || v.title AS title,
       to_char(m.due_date, 'YYYY-MM-DD') AS start,
       to_char(m.due_date + 1, 'YYYY-MM-DD') AS "end",
       true AS all_day, m.visit_id AS visit, v.host_unit_id AS host_unit,
       CASE WHEN v.status = 'cancelled' THEN 'cancelled'
            WHEN m.done_at IS NOT NULL THEN 'done'
            WHEN m.due_date < %(today)s THEN 'overdue'
            WHEN m.due_date - %(today)s <= %(soon)s THEN 'due_soon'
            ELSE 'upcoming' END AS state,
       '/api/v1/milestones/' || m.id || '/' AS url
FROM checklists_milestone m
JOIN checklists_visit v ON v.id = m.visit_id
JOIN checklists_unit u ON u.id = v.host_unit_id
WHERE m.due_date >= %(first)s AND m.due_date < %(following)s AND {VISIBLE}
ORDER BY m.due_date, m.id
"""

# The issued (not draft) recommendations due in the month, of the visits the person
# sees (a coordinator's: checklists.selectors.conclusions.recommendations_visible_to),
# with the columns their events are written from.
FLOOR_RECOMMENDATIONS = f"""
SELECT r.id, r.visit_id, r.code, r.text, r.due_date, r.state, r.addressee_id,
       v.title AS visit__title, v.status AS visit__status,
       v.host_unit_id AS visit__host_unit_id, v.classification AS visit__classification
FROM checklists_recommendation r
JOIN checklists_visit v ON v.id = r.visit_id
JOIN checklists_unit u ON u.id = v.host_unit_id
WHERE r.due_date >= %(first)s AND r.due_date < %(following)s AND r.state <> 'draft'
  AND {VISIBLE}
ORDER BY r.due_date, r.id
"""
RECOMMENDATION_URL = "/api/v1/recommendations/{id}/"


def _window(first: dt.date, following: dt.date) -> Window:
    return Window(
        start=timezone.make_aware(dt.datetime.combine(first, dt.time(0))),
        end=timezone.make_aware(dt.datetime.combine(following, dt.time(0))),
    )


def floor_month(user: User, first: dt.date, following: dt.date, today: dt.date) -> str:
    window = _window(first, following)
    params = {
        "start": window.start,
        "end": window.end,
        "first": first,
        "following": following,
        "today": today,
        "soon": settings.MILESTONE_DUE_SOON_DAYS,
        "prefix": user.coordinator_scope.path + "%",
        "user": user.pk,
    }
    # The recommendations' events are written as the view writes them (their
    # titles quote the start of the text, behind a classified visit's mark).
    recommendations = recommendation_events(
        sql_dicts(FLOOR_RECOMMENDATIONS, params), url=RECOMMENDATION_URL, today=today
    )
    return to_json(
        sql_dicts(FLOOR_SESSIONS, params) + sql_dicts(FLOOR_MILESTONES, params) + recommendations
    )


def selector_month(user: User, first: dt.date, following: dt.date, today: dt.date) -> str:
    events = calendar_events(
        user=user,
        window=_window(first, following),
        session_url="/api/v1/visits/{visit}/",
        milestone_url="/api/v1/milestones/{id}/",
        recommendation_url=RECOMMENDATION_URL,
        today=today,
    )
    return to_json(events)


def view_month(user: User, first: dt.date, following: dt.date):
    from api.views.calendar import CalendarView

    view = CalendarView.as_view()
    factory = APIRequestFactory()

    def call() -> bytes:
        request = factory.get(
            "/api/v1/calendar/", {"start": first.isoformat(), "end": following.isoformat()}
        )
        force_authenticate(request, user=user)
        response = view(request)
        response.render()
        assert response.status_code == 200, response.content
        return response.content

    return call


def feed_call(raw: str):
    from api.views.calendar import calendar_feed

    factory = RequestFactory()

    def call() -> bytes:
        response = calendar_feed(factory.get(f"/calendar/{raw}.ics"), token=raw)
        assert response.status_code == 200, response.status_code
        return response.content

    return call


def run(ctx: BenchContext) -> dict[str, Any]:
    from checklists.services.feeds import calendar_feed_create

    user, today = ctx.province_coordinator, ctx.today
    first, following = ctx.month()
    with translation.override("en"):
        view = view_month(user, first, following)
        view_queries, content, view_sql = count_queries(view)
        view_stats = measure(view, repeat=ctx.repeat, warmup=ctx.warmup)
        selector = compare(
            lambda: selector_month(user, first, following, today),
            lambda: floor_month(user, first, following, today),
            repeat=ctx.repeat,
            warmup=ctx.warmup,
        )
        view_vs_floor = compare(
            lambda: view().decode(),
            lambda: floor_month(user, first, following, today),
            repeat=ctx.repeat,
            warmup=ctx.warmup,
        )
    events = content.count(b'"kind"')
    # The view's JSON is DRF's compact encoding, the floor's json.dumps' spaced one:
    # view_vs_floor's byte-for-byte same_output cannot hold, the events must.
    with translation.override("en"):
        same_events = json.loads(content) == json.loads(floor_month(user, first, following, today))

    with rolled_back():
        _feed, raw = calendar_feed_create(owner=user, name="bench")
        call = feed_call(raw)
        feed_queries, body, _ = count_queries(call)
        feed_stats = measure(call, repeat=min(ctx.repeat, 20), warmup=2)
    feed_events = body.count(b"BEGIN:VEVENT")

    rows = calendar_rows(user=user, window=Window.around(today), detailed=True)
    sessions = rows.sessions[:FEED_EVENTS]
    exact = CalendarRows(sessions, rows.milestones[: FEED_EVENTS - len(sessions)])
    render_stats = measure(
        lambda: calendar_to_ics(exact, name="bench"), repeat=min(ctx.repeat, 20), warmup=2
    )

    return {
        "coordinator": user.username,
        "month": first.isoformat()[:7],
        "events": events,
        "p50_ms": view_stats["p50_ms"],
        "p95_ms": view_stats["p95_ms"],
        "queries": view_queries,
        "ratio_p50": view_vs_floor["ratio_p50"],
        "targets": {
            "p95_ms_max": TARGET_P95_MS,
            "queries_max": TARGET_QUERIES,
            "ratio_max": TARGET_RATIO,
            "feed_ms_max": TARGET_FEED_MS,
        },
        "note": "queries exclude authentication: +1 with a Bearer token (token, user and "
        "scope in one query), +3 with a session (session, user, scope)",
        "view": {**view_stats, "queries": view_queries, "sql": view_sql},
        "view_vs_floor": {
            **{k: v for k, v in view_vs_floor.items() if k != "orm_sql"},
            "same_events": same_events,
        },
        "selector_vs_floor": selector,
        "feed": {
            "events": feed_events,
            "bytes": len(body),
            "queries": feed_queries,
            **feed_stats,
        },
        "feed_render_2000": {"events": len(exact.sessions) + len(exact.milestones), **render_stats},
    }
