"""Reads of official documents (SPEC §4, §12) that depend on who asks: which issued
copies a person sees. A visit's copies follow the visit: the coordinators in scope
and the team see every kind; the host unit's contacts (and the contacts of a unit
below it that a recommendation is addressed to) see the issued conclusion's copy
only. A programme's copy is read by those who read the programme."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from checklists.models import Document, Recommendation, TeamMembership, User, Visit
from checklists.policies import Person, visit_access
from checklists.selectors import visits_coordinated_by
from checklists.selectors.conclusions import addresses_unit_of
from checklists.selectors.programmes import programmes_visible_to

Kind = Document.Kind


def documents_visible_to(user: Person) -> QuerySet[Document]:
    if not isinstance(user, User) or not user.is_active:
        return Document.objects.none()
    rows = Document.objects.select_related("issuer", "visit", "programme", "conclusion")
    if user.coordinates_everything:
        return rows
    # Subqueries, not joins: no document comes back twice.
    whole = Q(visit_id__in=TeamMembership.objects.filter(user_id=user.pk).values("visit_id")) | Q(
        visit_id__in=visits_coordinated_by(user).values("pk")
    )
    condition = whole | Q(programme_id__in=programmes_visible_to(user).values("pk"))
    if user.host_unit_id is not None:
        contacts = Q(
            visit_id__in=Visit.objects.filter(host_unit_id=user.host_unit_id).values("pk")
        ) | Q(
            visit_id__in=Recommendation.objects.filter(addressee_id=user.host_unit_id)
            .exclude(state=Recommendation.State.DRAFT)
            .values("visit_id")
        )
        condition |= Q(kind=Kind.CONCLUSION) & contacts
    return rows.filter(condition)


def sees_visit_document(user: Person, visit: Visit, kind: str) -> bool:
    """An issued copy of this kind of the visit: the whole team and the coordinators;
    the conclusion's also its host and addressee contacts."""
    access = visit_access(user, visit)
    if access.sees_conclusion_drafts:
        return True
    return kind == Kind.CONCLUSION and (access.host or addresses_unit_of(user, visit))
