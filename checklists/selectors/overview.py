"""The overview of visits (the web page /visits/): every visit a person sees, with
its deadline counts, narrowed by the page's filters and in its order; and one page
of it with the number of all, in one statement.

The page's statement is compiled once per shape (checklists.statements.Statements):
building and compiling it took about 5 ms of the overdue overview's 28 (make bench,
issue 16), longer than PostgreSQL took to run it. Its shape is what changes its SQL:
the kind of the person's sight, which filters are given, the order, the page. Its
values are the rest: who they are, their scope's path, their host unit, today, the
filters' values. overview_visits builds the same query as an ordinary queryset,
from the same function, for the lists that count their rows apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, QuerySet, Window

from checklists.models import Milestone, User, Visit
from checklists.selectors import (
    sight_of,
    visits_seen,
    visits_with_deadline_counts,
    with_first_session,
)
from checklists.selectors.visits import (
    visits_matching,
    visits_with_overdue_deadlines,
    visits_with_sessions_between,
)
from checklists.statements import Statements

# The status filter's value for every visit not closed or cancelled.
RUNNING = "running"
SORTS = {
    "-overdue": (F("overdue_count").desc(), F("first_session").desc(nulls_last=True)),
    "first_session": (F("first_session").asc(nulls_last=True),),
    "-first_session": (F("first_session").desc(nulls_last=True),),
    "code": (F("code").asc(),),
    "title": (F("title").asc(),),
    "status": (F("status").asc(),),
}
DEFAULT_SORT = "-overdue"
# What an overview row shows of a visit (web.views.overview_rows): a page of 50 with
# every column of the visit and its unit cost as much to read as to write.
OVERVIEW_FIELDS = (
    "id",
    "code",
    "title",
    "status",
    "classification",
    "window_start",
    "host_unit__name",
)
TOTAL = "total_rows"


@dataclass(frozen=True)
class OverviewFilters:
    """The page's filters as understood (None: not given)."""

    text: str | None = None
    status: str | None = None  # RUNNING or one of Visit.Status
    unit_path: str | None = None  # the units under this one (its path)
    session_from: dt.date | None = None
    session_to: dt.date | None = None
    overdue: bool = False
    sort: str = DEFAULT_SORT

    @property
    def reads_every_row(self) -> bool:
        """Whether the statement computes every matching visit's deadline counts
        (to order by them, or to keep only the overdue) before its LIMIT."""
        return self.sort == DEFAULT_SORT or self.overdue


def _overview(
    shape: tuple[str, bool, bool, str],
    *,
    today: dt.date,
    soon: dt.date,
    user: int | None,
    prefix: str | None,
    host_unit: int | None,
    text: str | None,
    status: str | None,
    unit_path: str | None,
    session_from: dt.date | None,
    session_to: dt.date | None,
) -> QuerySet[Visit]:
    """The overview's query from its shape (sight, running, overdue, sort) and
    values alone: what a compiled statement needs (checklists.statements)."""
    sight, running, overdue, sort = shape
    visits = visits_seen(sight, user=user, prefix=prefix, host_unit=host_unit)
    visits = visits_with_deadline_counts(with_first_session(visits), today, soon)
    if text is not None:
        visits = visits_matching(visits, text)
    if running:
        visits = visits.exclude(status__in=Visit.FINISHED_STATUSES)
    elif status is not None:
        visits = visits.filter(status=status)
    if unit_path is not None:
        visits = visits.filter(host_unit__path__startswith=unit_path)
    # The API's session_after/session_before: one rule for both.
    visits = visits_with_sessions_between(visits, session_from, session_to)
    if overdue:
        visits = visits_with_overdue_deadlines(visits, today)
    visits = visits.select_related("host_unit").only(*OVERVIEW_FIELDS)
    return visits.order_by(*SORTS[sort], F("id").desc())


def _page(shape: tuple[Any, ...], **values: Any) -> QuerySet[Visit]:
    *query, start, size = shape
    visits = _overview(tuple(query), **values)
    return visits.annotate(**{TOTAL: Window(Count("*"))})[start : start + size]


OVERVIEW_PAGE: Statements[Visit] = Statements(
    _page,
    user=int,
    prefix=str,
    host_unit=int,
    today=dt.date,
    soon=dt.date,
    text=str,
    status=str,
    unit_path=str,
    session_from=dt.date,
    session_to=dt.date,
)


def _shape_and_values(
    user: User, filters: OverviewFilters, today: dt.date
) -> tuple[tuple[str, bool, bool, str], dict[str, Any]]:
    sight = sight_of(user)
    running = filters.status == RUNNING
    sort = filters.sort if filters.sort in SORTS else DEFAULT_SORT
    values = {
        **sight.values,
        "today": today,
        "soon": Milestone.due_soon_until(today),
        "text": filters.text or None,
        "status": None if running else filters.status or None,
        "unit_path": filters.unit_path,
        "session_from": filters.session_from,
        "session_to": filters.session_to,
    }
    return (sight.kind, running, filters.overdue, sort), values


def overview_visits(user: User, filters: OverviewFilters, today: dt.date) -> QuerySet[Visit]:
    """The visits of the person's overview, filtered and ordered, as a queryset."""
    shape, values = _shape_and_values(user, filters, today)
    return _overview(shape, **values)


def overview_page(
    user: User, filters: OverviewFilters, today: dt.date, start: int, size: int
) -> tuple[Sequence[Visit], int | None]:
    """overview_visits[start:start + size], and the number of all of them (None
    when the page has no rows: past the end, or nothing at all)."""
    shape, values = _shape_and_values(user, filters, today)
    rows = OVERVIEW_PAGE.rows((*shape, start, size), **values)
    return rows, (getattr(rows[0], TOTAL) if rows else None)


__all__ = [
    "DEFAULT_SORT",
    "OVERVIEW_FIELDS",
    "RUNNING",
    "SORTS",
    "OverviewFilters",
    "overview_page",
    "overview_visits",
]
