"""Reads of the domain: who sees what, and the query shapes that go with it."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from checklists.models import ChecklistItem, TeamMembership, Unit, User, Visit

SETTLED = (ChecklistItem.Status.DONE, ChecklistItem.Status.NOT_APPLICABLE)


def units_in_scope(user: User) -> QuerySet[Unit]:
    """The units a coordinator is responsible for (none for anyone else)."""
    if user.coordinates_everything:
        return Unit.objects.all()
    if user.is_coordinator and user.coordinator_scope_id is not None:
        return Unit.objects.filter(path__startswith=user.coordinator_scope.path)
    return Unit.objects.none()


def visits_visible_to(user: User) -> QuerySet[Visit]:
    """Every visit the person may see (SPEC §4): a coordinator's subtree, the
    visits whose team they are on, and, for a host contact, their own unit's."""
    if not user.is_authenticated or not user.is_active:
        return Visit.objects.none()
    if user.coordinates_everything:
        return Visit.objects.all()
    # One WHERE with OR-ed conditions; EXISTS rather than a join, so a visit never
    # comes back twice.
    visible = Q(Exists(TeamMembership.objects.filter(visit=OuterRef("pk"), user=user)))
    if user.is_coordinator and user.coordinator_scope_id is not None:
        visible |= Q(host_unit__path__startswith=user.coordinator_scope.path)
    if user.host_unit_id is not None:
        visible |= Q(host_unit_id=user.host_unit_id)
    return Visit.objects.filter(visible)


def visits_coordinated_by(user: User) -> QuerySet[Visit]:
    """Visits the person coordinates (manages outlines, teams and visits for)."""
    if user.coordinates_everything:
        return Visit.objects.all()
    if user.is_coordinator and user.coordinator_scope_id is not None:
        return Visit.objects.filter(host_unit__path__startswith=user.coordinator_scope.path)
    return Visit.objects.none()


def visits_with_progress(queryset: QuerySet[Visit]) -> QuerySet[Visit]:
    """Annotate items_total and items_settled for the progress figure."""
    return queryset.annotate(
        items_total=Count("checklist", distinct=True),
        items_settled=Count("checklist", filter=Q(checklist__status__in=SETTLED), distinct=True),
    )


def visit_progress(visit: Visit) -> float:
    """(done + not applicable) / all, from 0 to 1; a visit with no items is at 0."""
    total = getattr(visit, "items_total", None)
    settled = getattr(visit, "items_settled", None)
    if total is None or settled is None:
        counts = visit.checklist.aggregate(
            total=Count("id"), settled=Count("id", filter=Q(status__in=SETTLED))
        )
        total, settled = counts["total"], counts["settled"]
    return round(settled / total, 4) if total else 0.0
