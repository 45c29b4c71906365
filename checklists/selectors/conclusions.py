"""Reads of conclusions and recommendations (SPEC §4, §11): who sees which.

- Coordinators of the visit and its team see the conclusion, draft or issued, and
  all of its recommendations.
- The host unit's contacts see the issued conclusion and all its recommendations;
  a draft does not exist for them.
- The contacts of an addressee unit below the host, who do not see the visit,
  see the issued conclusion and the recommendations addressed to their unit only.

A recommendation is `draft` exactly while its conclusion is a draft (issuing opens
them, withdrawing puts them back), so "issued" is read off the row itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from checklists.models import (
    ChecklistItem,
    Conclusion,
    Recommendation,
    TeamMembership,
    Unit,
    User,
    Visit,
)
from checklists.policies import Person, VisitAccess, coordinates_unit, visit_access
from checklists.selectors import (
    units_in_scope,
    units_visible_to,
    visible_visit_ids,
    visits_visible_to,
    with_team_role,
)
from checklists.statements import KeyedStatement

ISSUED = ~Q(state=Recommendation.State.DRAFT)


def _addressed_to(user: User) -> Q:
    """Recommendations issued to the person's own unit (as its contact)."""
    if user.host_unit_id is None:
        return Q(pk__in=[])
    return ISSUED & Q(addressee_id=user.host_unit_id)


def conclusion_visits_visible_to(user: Person) -> QuerySet[Visit]:
    """The visits whose conclusion the person may look up: those they see, and
    those with an issued recommendation to their unit. Each with the person's team
    role and host unit, for visit_access without a query."""
    if not isinstance(user, User) or not user.is_active:
        return Visit.objects.none()
    visible = Q(pk__in=visits_visible_to(user).values("pk"))
    if user.host_unit_id is not None:
        visible |= Q(pk__in=Recommendation.objects.filter(_addressed_to(user)).values("visit_id"))
    return with_team_role(Visit.objects.filter(visible), user).select_related("host_unit")


def _current_conclusion(visit_id: int) -> QuerySet[Conclusion]:
    return Conclusion.objects.filter(
        visit_id=visit_id, state__in=[Conclusion.State.DRAFT, Conclusion.State.ISSUED]
    ).order_by()[:1]


# Read on every visit page: compiled once (checklists.statements).
CURRENT_CONCLUSION: KeyedStatement[Conclusion] = KeyedStatement(_current_conclusion)


def current_conclusion(visit: Visit) -> Conclusion | None:
    """The visit's draft or issued conclusion (at most one, a constraint says), its
    `visit` the one given: no join to read the visit and its unit again, and no
    ORDER BY for a single row (the visit page's block; make bench, issue 16)."""
    conclusion = CURRENT_CONCLUSION.first(visit.pk)
    if conclusion is not None:
        conclusion.visit = visit
    return conclusion


@dataclass(frozen=True)
class Finding:
    """A checklist item's finding as the conclusion editor shows it beside its section."""

    number: str  # "2.3"
    finding: str


def conclusion_findings(visit: Visit) -> dict[str, list[Finding]]:
    """The visit's checklist findings by section number, in the checklist's order:
    one query for every section (the editor shows them beside each section's
    strengths and shortcomings). Only for those who may edit the draft, who see the
    checklist anyway; items without a finding are left out."""
    rows = (
        ChecklistItem.objects.filter(visit_id=visit.pk)
        .exclude(finding="")
        .order_by("section_position", "position", "id")
        .values_list("section_number", "number", "finding")
    )
    found: dict[str, list[Finding]] = {}
    for section_number, number, finding in rows:
        if text := finding.strip():
            found.setdefault(section_number, []).append(
                Finding(number=f"{section_number}.{number}", finding=text)
            )
    return found


def addresses_unit_of(user: Person, visit: Visit) -> bool:
    """The person is a contact of a unit some issued recommendation of the visit
    is addressed to."""
    if not isinstance(user, User) or not user.is_active or user.host_unit_id is None:
        return False
    return Recommendation.objects.filter(_addressed_to(user), visit_id=visit.pk).exists()


def recommendations_visible_to(user: Person) -> QuerySet[Recommendation]:
    """Every recommendation the person may see, with its visit, host unit and
    addressee loaded (the list's and the services' needs)."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return Recommendation.objects.none()
    rows = Recommendation.objects.select_related("visit__host_unit", "addressee", "conclusion")
    if user.coordinates_everything:
        return rows
    if user.host_unit_id is None:
        # The visits they see, as one UNION of ids (visible_visit_ids says why).
        return rows.filter(visit_id__in=visible_visit_ids(user))
    # A host contact sees their visits' recommendations once issued only: the
    # team's and the scope's visits apart from the host unit's.
    team_or_scope = Q(visit_id__in=TeamMembership.objects.filter(user=user).values("visit_id"))
    if user.acts_as_coordinator:
        team_or_scope |= Q(visit__host_unit_id__in=units_in_scope(user).values("pk"))
    return rows.filter(
        team_or_scope | (ISSUED & Q(visit__host_unit_id=user.host_unit_id)) | _addressed_to(user)
    )


def recommendations_matching(rows: QuerySet[Recommendation], text: str) -> QuerySet[Recommendation]:
    """The recommendations whose code or text, or whose visit's code or title,
    contains the text: the recommendations page's search and the API's `q`."""
    return rows.filter(
        Q(code__icontains=text)
        | Q(text__icontains=text)
        | Q(visit__code__icontains=text)
        | Q(visit__title__icontains=text)
    )


def conclusion_recommendations_for(
    user: Person, conclusion: Conclusion, access: VisitAccess
) -> QuerySet[Recommendation]:
    """The recommendations of the conclusion the person sees, in order: all of them
    for the visit's coordinators, team and host contacts; an addressee's own only."""
    rows = conclusion.recommendations.select_related("addressee").order_by("position", "id")
    if access.can_see:
        return rows
    if isinstance(user, User) and user.host_unit_id is not None:
        return rows.filter(addressee_id=user.host_unit_id)
    return rows.none()


def recommendation_access(user: Person, recommendation: Recommendation) -> VisitAccess:
    """The person's standing towards the recommendation's visit."""
    return visit_access(user, recommendation.visit)


def sees_recommendation(user: Person, recommendation: Recommendation) -> bool:
    access = recommendation_access(user, recommendation)
    if access.sees_conclusion_drafts:
        return True
    if recommendation.state == Recommendation.State.DRAFT:
        return False
    if access.host:
        return True
    return (
        isinstance(user, User)
        and user.is_active
        and user.host_unit_id is not None
        and user.host_unit_id == recommendation.addressee_id
    )


def unit_open_recommendations(user: Person, unit: Unit) -> QuerySet[Recommendation]:
    """The open and reported recommendations addressed to the unit or a unit under
    it, of every visit, that the person sees: what a later visit to it follows up."""
    return recommendations_visible_to(user).filter(
        state__in=Recommendation.PENDING_STATES, addressee__path__startswith=unit.path
    )


def recommendation_units_visible_to(user: Person) -> QuerySet[Unit]:
    """The units a recommendations list may be narrowed to: those the person sees,
    and those the recommendations they see are addressed to (units under a host
    the person does not otherwise see)."""
    if not isinstance(user, User):
        return Unit.objects.none()
    if user.coordinates_everything:
        return Unit.objects.all()
    return Unit.objects.filter(
        Q(pk__in=units_visible_to(user).values("pk"))
        | Q(pk__in=recommendations_visible_to(user).values("addressee_id"))
    )


def earlier_open_recommendations(user: Person, visit: Visit) -> QuerySet[Recommendation]:
    """What a visit follows up: the open and reported recommendations of the
    person's sight addressed to its host unit or a unit under it, from the unit's
    other visits (SPEC §11), the earliest due first."""
    return (
        unit_open_recommendations(user, visit.host_unit)
        .exclude(visit_id=visit.pk)
        # The visit page shows each one's visit and addressee only: without the
        # conclusion's and the host unit's joins PostgreSQL plans the statement in
        # a quarter of the time, and runs it in a hundredth (issue 16).
        .select_related(None)
        .select_related("visit", "addressee")
        .order_by("due_date", "id")
    )


def coordinators_of(unit: Unit) -> QuerySet[User]:
    """The active coordinators whose scope holds the unit (those of everything
    included; superusers only when they are coordinators too, as the reminders'
    escalation does)."""
    ancestors = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
    return User.objects.filter(is_active=True, is_coordinator=True).filter(
        Q(coordinator_scope__isnull=True) | Q(coordinator_scope_id__in=ancestors)
    )


def unit_contacts(unit_ids: list[int]) -> QuerySet[User]:
    return User.objects.filter(is_active=True, host_unit_id__in=unit_ids)


__all__ = [
    "addresses_unit_of",
    "conclusion_recommendations_for",
    "conclusion_visits_visible_to",
    "coordinates_unit",
    "coordinators_of",
    "current_conclusion",
    "earlier_open_recommendations",
    "recommendation_access",
    "recommendation_units_visible_to",
    "recommendations_visible_to",
    "sees_recommendation",
    "unit_contacts",
    "unit_open_recommendations",
]
