"""My deadlines (the web page /deadlines/): the open deadlines of the running visits
a person sees (milestones_open_for), counted, and a page of their visits, the most
overdue first, each with its deadlines.

Both reads are statements compiled once per shape (checklists.statements.Statements):
building and compiling them took about a third of the team lead's page (make bench,
issue 16). Their shape is the kind of the person's sight, whether only their own
visits are asked for, whether there is a horizon, and the page; their values are
who they are, their scope's path and host unit, the days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Value

from checklists.models import Milestone, User
from checklists.selectors import (
    SEES_SOME,
    milestone_state_q,
    milestones_open_of,
    open_milestones,
    sight_of,
    visits_by_earliest_deadline,
)
from checklists.statements import Statements

# What a visit's article and its rows show (web.views.deadline_rows): the page's
# deadlines come with their visit, whose other columns would be read once a row.
DEADLINE_FIELDS = (
    "id",
    "visit_id",
    "title",
    "title_en",
    "due_date",
    "responsible",
    "done_at",
    "visit__code",
    "visit__title",
    "visit__status",
    "visit__host_unit__name",
)


@dataclass(frozen=True)
class DeadlineTotals:
    """The open deadlines overdue and due soon, and the visits they belong to."""

    overdue: int
    due_soon: int
    visits: int


def _open(shape: tuple[Any, ...], values: dict[str, Any]) -> QuerySet[Milestone]:
    sight, mine, *_ = shape
    return open_milestones(
        sight,
        mine,
        user=values["user"],
        prefix=values["prefix"],
        host_unit=values["host_unit"],
        until=values["until"],
    )


def _totals(shape: tuple[Any, ...], **values: Any) -> QuerySet[Any]:
    # One row of aggregates over every open deadline: grouped by a constant,
    # which Django leaves out of GROUP BY (QuerySet.aggregate as a statement).
    today, soon = values["today"], values["soon"]
    return (
        _open(shape, values)
        .order_by()
        .values(one=Value(1))
        .annotate(
            overdue=Count("pk", filter=milestone_state_q([Milestone.State.OVERDUE], today, soon)),
            due_soon=Count("pk", filter=milestone_state_q([Milestone.State.DUE_SOON], today, soon)),
            visits=Count("visit_id", distinct=True),
        )
        .values_list("overdue", "due_soon", "visits", named=True)
    )


def _page(shape: tuple[Any, ...], **values: Any) -> QuerySet[Milestone]:
    # The page's visits as a subquery (visits_by_earliest_deadline's order and
    # slice): their deadlines are read in the same statement that picks them.
    *_, start, size = shape
    visits = visits_by_earliest_deadline(_open(shape, values))[start : start + size]
    milestones = milestones_open_of(visits.values("visit_id"), until=values["until"])
    return (
        milestones.select_related("visit__host_unit")
        .only(*DEADLINE_FIELDS)
        .order_by("due_date", "id")
    )


TOTALS: Statements[Any] = Statements(
    _totals, user=int, prefix=str, host_unit=int, until=dt.date, today=dt.date, soon=dt.date
)
PAGE: Statements[Milestone] = Statements(_page, user=int, prefix=str, host_unit=int, until=dt.date)


def _shape_and_values(
    user: User, mine: bool, until: dt.date | None
) -> tuple[tuple[str, bool], dict[str, Any]]:
    sight = sight_of(user)
    # The person and their host unit: for their sight (SEES_SOME) and for `mine`.
    person = sight.kind == SEES_SOME or mine
    values = {
        "user": user.pk if person else None,
        "prefix": sight.prefix,
        "host_unit": user.host_unit_id if person else None,
        "until": until,
    }
    return (sight.kind, mine), values


def deadline_totals(
    user: User, *, mine: bool, until: dt.date | None, today: dt.date
) -> DeadlineTotals:
    """milestones_open_for(user, mine, until)'s overdue and due soon, and visits."""
    shape, values = _shape_and_values(user, mine, until)
    rows = TOTALS.rows(shape, **values, today=today, soon=Milestone.due_soon_until(today))
    return DeadlineTotals(*rows[0]) if rows else DeadlineTotals(0, 0, 0)


def deadline_page(
    user: User, *, mine: bool, until: dt.date | None, start: int, size: int
) -> Sequence[Milestone]:
    """The open deadlines (with their visit and its host unit) of the visits
    start to start + size in visits_by_earliest_deadline's order, by due date."""
    shape, values = _shape_and_values(user, mine, until)
    return PAGE.rows((*shape, start, size), **values)


__all__ = ["DEADLINE_FIELDS", "DeadlineTotals", "deadline_page", "deadline_totals"]
