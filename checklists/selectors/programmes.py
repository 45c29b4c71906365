"""Reads of programmes (SPEC §13): who sees which, with their entries loaded in a
constant number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from checklists.errors import NotFound
from checklists.models import LegalInstrument, Programme, ProgrammeEntry, User
from checklists.policies import Person, is_coordinator
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


def programmes_listed_for(user: Person) -> QuerySet[Programme]:
    """The programmes page's list: only coordinators have one; anyone else is told
    there is no such page (404, as for the coverage of units)."""
    if not isinstance(user, User) or not is_coordinator(user):
        raise NotFound(_("There are no programmes here."))
    return programmes_visible_to(user).select_related("issuer").order_by("-year", "code", "id")


def programme_page_entries(programme: Programme) -> list[ProgrammeEntry]:
    """A programme's entries as its page shows them: units, people (members by
    user name) and created visits, in four queries whatever their number."""
    return list(
        programme.entries.select_related("host_unit", "lead", "deputy", "secretary", "visit")
        .prefetch_related(Prefetch("members", queryset=User.objects.order_by("username")))
        .order_by("position", "id")
    )
