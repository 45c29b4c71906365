"""Reads of programmes (SPEC §13): who sees which, with their entries loaded in a
constant number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from checklists.models import LegalInstrument, Programme, ProgrammeEntry, User
from checklists.policies import Person
from checklists.selectors import units_in_scope


def programmes_visible_to(user: Person) -> QuerySet[Programme]:
    """The programmes a person reads: those whose issuer lies in their coordinator
    scope (checklists.policies.sees_programme); none for anyone else."""
    if not isinstance(user, User) or not user.is_active or not user.acts_as_coordinator:
        return Programme.objects.none()
    if user.coordinates_everything:
        return Programme.objects.all()
    # A subquery of the scope's units, not a join: no duplicate rows.
    return Programme.objects.filter(issuer__in=units_in_scope(user).values("pk"))


def programmes_with_entries(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    """The programmes with their entries, each entry's members and the legal basis:
    three prefetches, whatever the number of programmes or entries."""
    return programmes.select_related("issuer", "outline", "decision_instrument").prefetch_related(
        Prefetch(
            "entries",
            queryset=ProgrammeEntry.objects.order_by("position", "id").prefetch_related(
                Prefetch("members", queryset=User.objects.only("id").order_by("id"))
            ),
        ),
        Prefetch("legal_basis", queryset=LegalInstrument.objects.only("id").order_by("id")),
    )
