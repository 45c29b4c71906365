"""The web pages (web/) at SPEC §10 volume, whole requests through Django's test
Client: middleware, session and user, the view's queries, the form and the template.

SPEC §10 sets no figure for the pages; a page is called slow here when its p95
passes SLOW_P95_MS (the brief of this benchmark, not a SPEC target).

For each page: p50/p95, SQL queries per request (including the person with their
coordinator scope, which any signed-in request costs: 1; the session is read from
the Redis cache, as a deployment with CACHE_URL does, or is a second query without
one), the HTML's size, and a ratio to its floor measured in the same run.

The floor is the least work that gets the same rows: hand-written SQL through
Django's connection for what the page shows (the same visits, deadlines, items
or units, in the same order, with the same figures), encoded as JSON. No
middleware, no session, no forms, no template; who sees what as a UNION of
index lookups (visible_where). The ratio is therefore what
Django's request cycle, the ORM's query shapes and the HTML cost on top of the
data itself; `same_rows` proves the floor fetches what the page lists (the ids
in the HTML, in order, against the floor's). The API is no floor here: the
overview's columns (overdue counts, default order by them) and "my deadlines"
have no API list that gives the same rows.

Each page is also requested for a person or visit with many more (or fewer)
rows (`scaling`): the query count must not follow the rows.

`jit_compiled_statements` counts the page's statements that PostgreSQL JIT-compiles
(their estimated cost passes `jit_above_cost`; on by default); for such a page
`jit_off` is the same page measured again with JIT off for the connection, which
is how much of its time the compilation is.

The Client signs in with `force_login` and the measurements run outside any
transaction, as a real request does; the log-in's own writes (session,
last_login, django-axes' access log) are undone afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import Count
from django.test import Client

from bench.common import BenchContext, compare, count_queries, measure
from bench.page_floors import (
    calendar_floor,
    calendar_floor_ids,
    calendar_ids,
    deadline_rows,
    deadlines_floor,
    deadlines_floor_ids,
    deadlines_ids,
    overview_floor,
    overview_floor_ids,
    overview_ids,
    visit_floor,
    visit_floor_ids,
    visit_ids,
)
from bench.revision_floor import (
    comparison_rows,
    measured_revision,
    revision_floor,
    revision_floor_ids,
    revision_ids,
)
from checklists.models import ChecklistItem, ReportRevision, TeamMembership, User
from checklists.selectors import visits_visible_to

SLOW_P95_MS = 150
# What the log-in form leaves in the session (authenticate() answers through it).
MODEL_BACKEND = "backend.auth.UserBackend"
SCALING_REPEAT = 20
REVISION_FLOOR_IS = (
    "7 statements (visit with unit and role; the revision with its text; the visit's "
    "revisions; reviews; comments with author, section, answerer and origin; outline "
    "sections; the kept comparison with the previous revision), the coverage computed "
    "from the text and the unchanged paragraphs folded as the page does; as JSON"
)


# --- measuring ----------------------------------------------------------------------------------


@contextmanager
def signed_in(user: User) -> Iterator[Client]:
    """A test Client signed in as `user` with force_login (the session a log-in
    leaves); afterwards the session, the user's last_login and django-axes' access
    log entry are as they were."""
    from axes.models import AccessLog

    axes_log = logging.getLogger("axes")
    level = axes_log.level
    last_login = User.objects.filter(pk=user.pk).values_list("last_login", flat=True).get()
    newest_log = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    client = Client()
    axes_log.setLevel(logging.WARNING)
    try:
        client.force_login(user, backend=MODEL_BACKEND)
        yield client
    finally:
        client.logout()
        User.objects.filter(pk=user.pk).update(last_login=last_login)
        user.last_login = last_login
        AccessLog.objects.filter(pk__gt=newest_log).delete()
        axes_log.setLevel(level)


def get(client: Client, url: str) -> Callable[[], str]:
    def call() -> str:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content.decode()

    return call


def jit_compiled(statements: list[str]) -> int:
    """How many of these statements PostgreSQL would JIT-compile (their plan's
    estimated cost passes `jit_above_cost`): EXPLAIN without ANALYZE, so nothing
    runs. Compiling costs tens of milliseconds per statement, far more than the
    few milliseconds these statements take to run."""
    compiled = 0
    with connection.cursor() as cursor:
        for sql in statements:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue  # DECLARE … CURSOR (a form's choices): not EXPLAIN-able as is
            cursor.execute("EXPLAIN " + sql)
            compiled += any(row[0].startswith("JIT:") for row in cursor.fetchall())
    return compiled


@contextmanager
def jit_off() -> Iterator[None]:
    """JIT off for this connection (the Client's requests run on it too)."""
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")


def measure_page(
    ctx: BenchContext,
    user: User,
    url: str,
    *,
    floor: Callable[[], str],
    floor_is: str,
    page_ids: Callable[[str], list[Any]],
    floor_ids: Callable[[str], list[Any]],
    rows: Callable[[str], list] | None = None,
) -> dict[str, Any]:
    with signed_in(user) as client:
        page = get(client, url)
        html = page()  # the first request (CSRF cookie, caches) is not the one counted
        result = compare(page, floor, repeat=ctx.repeat, warmup=ctx.warmup)
        compiled = jit_compiled(result["orm_sql"])
        if compiled:
            # The diagnosis, measured: the same page with JIT off.
            with jit_off():
                without_jit = measure(
                    page, repeat=min(ctx.repeat, SCALING_REPEAT), warmup=min(ctx.warmup, 2)
                )
    shown, fetched = page_ids(html), floor_ids(floor())
    page_stats, floor_stats = result["orm"], result["floor"]
    return {
        "url": url,
        "user": user.username,
        "p50_ms": page_stats["p50_ms"],
        "p95_ms": page_stats["p95_ms"],
        "queries": page_stats["queries"],
        "bytes": result["output_bytes"],
        "rows": len((rows or page_ids)(html)),
        "ratio_p50": result["ratio_p50"],
        "ratio_p95": round(page_stats["p95_ms"] / floor_stats["p95_ms"], 2),
        "slow": page_stats["p95_ms"] > SLOW_P95_MS,
        "page": page_stats,
        "floor": {"is": floor_is, **floor_stats, "bytes": len(floor().encode())},
        # The floor fetches exactly what the page lists, in the same order.
        "same_rows": shown == fetched,
        "jit_compiled_statements": compiled,
        **({"jit_off": {k: without_jit[k] for k in ("n", "p50_ms", "p95_ms")}} if compiled else {}),
        "sql": result["orm_sql"],
    }


def measure_variant(
    ctx: BenchContext, user: User, url: str, *, what: str, ids: Callable[[str], list]
) -> dict[str, Any]:
    """The same page for more (or fewer) rows: time, queries and size, no floor."""
    with signed_in(user) as client:
        page = get(client, url)
        page()
        queries, html, sql = count_queries(page)
        stats = measure(page, repeat=min(ctx.repeat, SCALING_REPEAT), warmup=min(ctx.warmup, 2))
    return {
        "url": url,
        "user": user.username,
        "what": what,
        "p50_ms": stats["p50_ms"],
        "p95_ms": stats["p95_ms"],
        "n": stats["n"],
        "queries": queries,
        "bytes": len(html.encode()),
        "rows": len(ids(html)),
        "jit_compiled_statements": jit_compiled(sql),
    }


def small_visit_of(user: User, big_visit_id: int) -> int:
    """A visit of the same person with the fewest checklist items."""
    visits = TeamMembership.objects.filter(user=user).exclude(visit_id=big_visit_id)
    row = (
        ChecklistItem.objects.filter(visit_id__in=visits.values("visit_id"))
        .values("visit_id")
        .annotate(n=Count("id"))
        .order_by("n", "visit_id")
        .first()
    )
    return row["visit_id"]


def revision_url(user: User, *, most: bool = True) -> tuple[str, int, int]:
    """(url, visit id, revision id) of the latest revision with a kept comparison
    that the person sees, of the visit with the longest draft (`most`) or the
    shortest (the page with fewer rows)."""
    if user.is_coordinator:
        visits = list(visits_visible_to(user).values_list("pk", flat=True))
    else:
        visits = list(TeamMembership.objects.filter(user=user).values_list("visit_id", flat=True))
    revision = measured_revision(visits, most=most)
    if revision is None:
        raise RuntimeError(f"{user.username} sees no revision with a kept comparison.")
    url = f"/visits/{revision.visit_id}/reports/{revision.pk}/"
    return url, revision.visit_id, revision.pk


def measure_revision(ctx: BenchContext, user: User) -> dict[str, Any]:
    url, visit_id, revision_id = revision_url(user)
    return {
        **measure_page(
            ctx,
            user,
            url,
            floor=revision_floor(user, visit_id, revision_id),
            floor_is=REVISION_FLOOR_IS,
            page_ids=revision_ids,
            floor_ids=revision_floor_ids,
            rows=comparison_rows,
        ),
        # The draft's size: the comparison's and the coverage's input.
        "words": len(
            ReportRevision.objects.values_list("text", flat=True).get(pk=revision_id).split()
        ),
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    coordinator, member = ctx.province_coordinator, ctx.big_visit_lead
    everyone = ctx.everything_coordinator
    today, visit_id = ctx.today, ctx.big_visit_id
    small_visit = small_visit_of(member, visit_id)
    overview_is = (
        "one SQL statement for the page of 50 (overdue/due-soon counts and first session "
        "of every visible visit for the order, checklist counts of the 50, total by "
        "window), as JSON (the unit filter lists no units: it offers them as the "
        "person types)"
    )
    deadlines_is = (
        "open deadlines of the running visible visits: one statement for the totals "
        "and number of visits, one for the page of 20 visits with their deadlines, "
        "the latest unread notifications; as JSON"
    )
    pages = {
        "overview": measure_page(
            ctx,
            coordinator,
            "/visits/",
            floor=overview_floor(coordinator, today, overdue=False),
            floor_is=overview_is,
            page_ids=overview_ids,
            floor_ids=overview_floor_ids,
        ),
        "overview_overdue": measure_page(
            ctx,
            coordinator,
            "/visits/?overdue=on",
            floor=overview_floor(coordinator, today, overdue=True),
            floor_is=overview_is + " (only visits with an overdue deadline)",
            page_ids=overview_ids,
            floor_ids=overview_floor_ids,
        ),
        "deadlines_coordinator": measure_page(
            ctx,
            coordinator,
            "/deadlines/",
            floor=deadlines_floor(coordinator, today, mine=False),
            floor_is=deadlines_is,
            page_ids=deadlines_ids,
            floor_ids=deadlines_floor_ids,
            rows=deadline_rows,
        ),
        "deadlines_member": measure_page(
            ctx,
            member,
            "/deadlines/",
            floor=deadlines_floor(member, today, mine=True),
            floor_is=deadlines_is + " (of the visits they are on the team of)",
            page_ids=deadlines_ids,
            floor_ids=deadlines_floor_ids,
            rows=deadline_rows,
        ),
        "visit": measure_page(
            ctx,
            member,
            f"/visits/{visit_id}/",
            floor=visit_floor(member, visit_id),
            floor_is="9 statements (visit with unit, outline and role; sessions; team; "
            "host contacts; deadlines; checklist with assignees; revisions; the "
            "conclusion; the earlier visits' open recommendations), progress counted "
            "from the items; as JSON",
            page_ids=visit_ids,
            floor_ids=visit_floor_ids,
        ),
        "revision_member": measure_revision(ctx, member),
        "revision_coordinator": measure_revision(ctx, coordinator),
        "calendar": measure_page(
            ctx,
            coordinator,
            "/calendar/",
            floor=calendar_floor(coordinator),
            floor_is="the person's live feeds and the subscription form's suggestions (their "
            "visits and units), as JSON",
            page_ids=calendar_ids,
            floor_ids=calendar_floor_ids,
        ),
    }
    scaling = {
        "overview": measure_variant(
            ctx, everyone, "/visits/", what="all 10,000 visits", ids=overview_ids
        ),
        "overview_overdue": measure_variant(
            ctx, everyone, "/visits/?overdue=on", what="all 10,000 visits", ids=overview_ids
        ),
        "deadlines_coordinator": measure_variant(
            ctx,
            coordinator,
            "/deadlines/?horizon=all",
            what="any time, not 30 days",
            ids=deadline_rows,
        ),
        "deadlines_everything": measure_variant(
            ctx, everyone, "/deadlines/", what="coordinator of all 10,000 visits", ids=deadline_rows
        ),
        "deadlines_member": measure_variant(
            ctx, member, "/deadlines/?horizon=all", what="any time, not 30 days", ids=deadline_rows
        ),
        "visit": measure_variant(
            ctx,
            member,
            f"/visits/{small_visit}/",
            what="a visit with the fewest items",
            ids=visit_ids,
        ),
        "revision_member": measure_variant(
            ctx,
            member,
            revision_url(member, most=False)[0],
            what="a 4-page draft in two revisions",
            ids=comparison_rows,
        ),
        "revision_coordinator": measure_variant(
            ctx,
            coordinator,
            revision_url(coordinator, most=False)[0],
            what="a 4-page draft in two revisions",
            ids=comparison_rows,
        ),
        "calendar": measure_variant(
            ctx,
            everyone,
            "/calendar/",
            what="coordinator of everything (no unit listed, as for a province)",
            ids=calendar_ids,
        ),
        "calendar_member": measure_variant(
            ctx,
            member,
            "/calendar/",
            what="a team lead: the suggestions of their visits and units",
            ids=calendar_ids,
        ),
    }
    for name, variant in scaling.items():
        base = "calendar" if name.startswith("calendar") else "deadlines_coordinator"
        measured = pages[name if name in pages else base]
        variant["queries_of_measured_page"] = measured["queries"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('jit_above_cost')")
        jit, jit_above_cost = cursor.fetchone()
    return {
        "p95_ms_slow_above": SLOW_P95_MS,
        "server": {"jit": jit, "jit_above_cost": float(jit_above_cost)},
        "slow": [name for name, page in pages.items() if page["slow"]],
        "pages": pages,
        "scaling": scaling,
        "note": "queries include the person with their coordinator scope (1), which "
        "every signed-in page request costs; the session comes from the Redis cache "
        "(a second query when the bench runs without one)",
    }
