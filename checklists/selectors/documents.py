"""Reads of official documents (SPEC §4, §12) that depend on who asks: which issued
copies a person sees. A visit's copies follow the visit: the coordinators in scope
and the team see every kind; the host unit's contacts (and the contacts of a unit
below it that a recommendation is addressed to) see the issued conclusion's copy
only. A programme's copy is read by those who read the programme."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from checklists.models import (
    Conclusion,
    Document,
    Programme,
    Recommendation,
    TeamMembership,
    User,
    Visit,
)
from checklists.policies import Person, coordinates_unit, sees_programme, visit_access
from checklists.selectors import visits_coordinated_by
from checklists.selectors.conclusions import addresses_unit_of, current_conclusion
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


def visit_documents_for(user: Person, visit: Visit) -> QuerySet[Document]:
    """The issued copies of one visit this person may download, by the download's
    own rule (sees_visit_document): the visit page's list. One plain query on the
    visit's documents, where documents_visible_to would test the person's whole
    reach (teams, scope, programmes, host unit) for every document."""
    access = visit_access(user, visit)
    rows = Document.objects.filter(visit_id=visit.pk)
    if not access.can_see:
        return rows.none()
    if access.sees_conclusion_drafts:
        return rows
    if access.host or addresses_unit_of(user, visit):
        return rows.filter(kind=Kind.CONCLUSION)
    return rows.none()


@dataclass(frozen=True)
class DocumentOffer:
    """What the documents block of a visit's or programme's page offers a person:
    the kinds they may download (a draft, or the issued copy on the same path) and
    the kind they may issue now, if any. It says what checklists.services.documents
    would answer, without rendering anything (tests/web/test_document_pages.py
    holds the two to each other)."""

    kinds: tuple[str, ...] = ()
    may_issue: str | None = None


def _followup_issued(conclusion_id: int) -> bool:
    return Document.objects.filter(
        conclusion_id=conclusion_id, kind=Kind.FOLLOWUP, format=Document.Format.DOCX
    ).exists()


# "Not read yet", as opposed to a visit without a conclusion (None).
_UNREAD: Any = object()


def visit_document_offer(
    user: Person, visit: Visit, *, conclusion: Conclusion | None = _UNREAD
) -> DocumentOffer:
    """`conclusion`: the visit's current one when the caller has read it already
    (the visit page's conclusion block), saving the query."""
    access = visit_access(user, visit)
    if not access.can_see:
        return DocumentOffer()
    if conclusion is _UNREAD:
        conclusion = current_conclusion(visit)
    issued = conclusion is not None and conclusion.state == Conclusion.State.ISSUED
    followup_issued = issued and conclusion is not None and _followup_issued(conclusion.pk)
    drafts = access.sees_conclusion_drafts
    kinds: list[str] = []
    if issued:
        if sees_visit_document(user, visit, Kind.CONCLUSION):
            kinds.append(Kind.CONCLUSION)
    elif conclusion is not None and drafts and access.can_draft_conclusion:
        kinds.append(Kind.CONCLUSION)
    may_followup = issued and drafts and access.can_manage_recommendations
    if followup_issued:
        if drafts:
            kinds.append(Kind.FOLLOWUP)
    elif may_followup:
        kinds.append(Kind.FOLLOWUP)
    kinds.append(Kind.CHECKLIST)
    return DocumentOffer(
        tuple(kinds), Kind.FOLLOWUP if may_followup and not followup_issued else None
    )


def programme_document_offer(user: Person, programme: Programme) -> DocumentOffer:
    """For a person who reads the programme (the page's own check)."""
    if not sees_programme(user, programme.issuer):
        return DocumentOffer()
    if Document.objects.filter(
        programme_id=programme.pk, kind=Kind.PROGRAMME, format=Document.Format.DOCX
    ).exists():
        return DocumentOffer((Kind.PROGRAMME,))
    units = [entry.host_unit for entry in programme.entries.select_related("host_unit")]
    drafts = all(coordinates_unit(user, unit) for unit in units)
    approved = programme.status != Programme.Status.DRAFT
    return DocumentOffer((Kind.PROGRAMME,) if drafts else (), Kind.PROGRAMME if approved else None)
