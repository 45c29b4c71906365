"""Reads of visits, their checklist and their deadlines, shaped for the doors that
show them (the API, the pages): who sees which rows, with what the permission
checks need already loaded."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from checklists.models import ChecklistItem, Milestone, TeamMembership, User, Visit, WorkingSession
from checklists.policies import Person, VisitAccess, visit_access
from checklists.selectors import (
    milestone_state_q,
    sight_of,
    visits_seen,
    visits_visible_to,
    visits_with_progress,
    with_first_session,
    with_team_role,
    with_team_role_of,
)
from checklists.statements import KEY_RANGE, Statements


def visible_visits(user: Person) -> QuerySet[Visit]:
    """The visits a person sees, each with the person's team role and host unit, so
    that checklists.policies.visit_access (and every service's authorize()) needs
    no query of its own."""
    if not isinstance(user, User):
        return Visit.objects.none()
    return with_team_role(visits_visible_to(user), user).select_related("host_unit")


def _visible_visit(
    shape: tuple[str],
    *,
    me: int,
    visit: int,
    user: int | None,
    prefix: str | None,
    host_unit: int | None,
) -> QuerySet[Visit]:
    (sight,) = shape
    visits = visits_seen(sight, user=user, prefix=prefix, host_unit=host_unit)
    return with_team_role_of(visits, me).select_related("host_unit", "outline").filter(pk=visit)


# Every page of a visit starts here: compiled once per kind of sight (issue 16).
VISIBLE_VISIT: Statements[Visit] = Statements(
    _visible_visit, me=int, visit=int, user=int, prefix=str, host_unit=int
)


def visible_visit_of(user: Person, visit_id: int) -> Visit | None:
    """visible_visits(user).select_related("outline").filter(pk=visit_id).first():
    the visit with its outline, host unit and the person's team role, or None
    when they may not see it (or it does not exist)."""
    if not isinstance(user, User) or int(visit_id) not in KEY_RANGE:
        return None
    sight = sight_of(user)
    rows = VISIBLE_VISIT.rows((sight.kind,), me=user.pk, visit=int(visit_id), **sight.values)
    return rows[0] if rows else None


def visits_listed_for(user: Person) -> QuerySet[Visit]:
    """The API's visits: visible_visits with progress, the first session (for
    ordering), the sessions and the team (two prefetches, whatever the page size)."""
    return (
        with_first_session(visits_with_progress(visible_visits(user)))
        # The decision's instrument: its status flags a replaced one (one join).
        .select_related("decision_instrument")
        .prefetch_related(
            Prefetch("sessions", queryset=WorkingSession.objects.order_by("start")),
            team_prefetch(),
        )
    )


def team_prefetch() -> Prefetch:
    """Each visit's team as its `team`, with each member's name, in role order."""
    return Prefetch(
        "team",
        queryset=TeamMembership.objects.select_related("user")
        .only("id", "visit_id", "role", "user__id", "user__full_name")
        .order_by("role", "user_id"),
    )


def team_names_of(visit_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Each visit's team as (role, full name) pairs in team_prefetch's order: one
    query of plain values for a batch of visits (a spreadsheet's rows), where
    loading memberships and people as objects costs more than the rest of a row."""
    names: dict[int, list[tuple[str, str]]] = {}
    rows = (
        TeamMembership.objects.filter(visit_id__in=visit_ids)
        .order_by("visit_id", "role", "user_id")
        .values_list("visit_id", "role", "user__full_name")
    )
    for visit_id, role, name in rows:
        names.setdefault(visit_id, []).append((role, name))
    return names


def visits_with_sessions_between(
    visits: QuerySet[Visit], start: dt.date | None, end: dt.date | None
) -> QuerySet[Visit]:
    """The visits with a working session that overlaps the days [start, end] (local
    dates; either end may be open). The one date filter of the API
    (`session_after`/`session_before`) and the overview page (`session_from`/
    `session_to`), so both answer the same visits for the same dates."""
    if start is None and end is None:
        return visits
    sessions = WorkingSession.objects.all()
    if start is not None:
        sessions = sessions.filter(end__date__gte=start)
    if end is not None:
        sessions = sessions.filter(start__date__lte=end)
    # A subquery, not a join: a visit with several such sessions comes back once.
    return visits.filter(pk__in=sessions.values("visit_id"))


def visits_matching(visits: QuerySet[Visit], text: str) -> QuerySet[Visit]:
    """The visits whose code or title contains the text: the overview page's
    search and the API's `q`, so an export of the page's list finds the same."""
    return visits.filter(Q(code__icontains=text) | Q(title__icontains=text))


def visits_with_overdue_deadlines(
    visits: QuerySet[Visit], today: dt.date, overdue: bool = True
) -> QuerySet[Visit]:
    """The visits with an overdue deadline (or, `overdue` False, without one), as
    visits_with_deadline_counts counts them (a closed or cancelled visit has none):
    the overview page's filter and the API's `overdue`. EXISTS rather than the
    count: PostgreSQL stops at the first open overdue deadline, or answers the
    filter with one pass over the open-deadline index instead of counting every
    visible visit's deadlines (the coordinator of everything: 10,000)."""
    late = Milestone.objects.filter(
        milestone_state_q([Milestone.State.OVERDUE], today), visit_id=OuterRef("pk")
    )
    condition = Exists(late) & ~Q(status__in=Visit.FINISHED_STATUSES)
    return visits.filter(condition) if overdue else visits.exclude(condition)


def checklist_items_visible_to(user: Person) -> QuerySet[ChecklistItem]:
    """Checklist items of every visit the person sees, each with its visit's host
    unit and `my_team_role` (the person's role on that visit's team), so that
    checklist_item_access needs no query per item."""
    if not isinstance(user, User):
        return ChecklistItem.objects.none()
    return (
        ChecklistItem.objects.filter(visit__in=visits_visible_to(user))
        .select_related("visit__host_unit")
        .annotate(
            my_team_role=Subquery(
                TeamMembership.objects.filter(visit=OuterRef("visit_id"), user_id=user.pk).values(
                    "role"
                )[:1]
            )
        )
    )


def checklist_item_access(user: Person, item: ChecklistItem) -> VisitAccess:
    """The person's standing towards the item's visit (checklists.policies), from
    the annotation of checklist_items_visible_to when the item has it."""
    if hasattr(item, "my_team_role"):
        return visit_access(user, item.visit, team_role=getattr(item, "my_team_role", None))
    return visit_access(user, item.visit)


def sees_internal_notes(user: Person, item: ChecklistItem) -> bool:
    """Whether the person reads the item's internal note (SPEC §4: the team and
    the coordinators do, host contacts never)."""
    return checklist_item_access(user, item).sees_internal_notes


def milestones_visible_to(user: Person) -> QuerySet[Milestone]:
    """Deadlines of every visit the person sees, with the visit and its host unit."""
    return Milestone.objects.filter(visit__in=visible_visits(user).values("pk")).select_related(
        "visit__host_unit"
    )
