"""Reads of outlines: which ones a person sees, and an outline with its parts in
position order."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from checklists import policies
from checklists.models import Outline, OutlineItem, OutlineSection, User
from checklists.outline_data import ItemData, MilestoneData, OutlineData, SectionData
from checklists.policies import Person
from checklists.selectors import visits_visible_to


def outline_sections(outline_id: int) -> QuerySet[OutlineSection]:
    """The outline's sections in order, each with its items in order (two queries)."""
    return (
        OutlineSection.objects.filter(outline_id=outline_id)
        .prefetch_related(Prefetch("items", queryset=OutlineItem.objects.order_by("position")))
        .order_by("position")
    )


def outlines_with_parts(queryset: QuerySet[Outline]) -> QuerySet[Outline]:
    """Outlines with their sections, items and milestones prefetched in order: four
    queries for a whole page of outlines."""
    return queryset.prefetch_related(
        Prefetch(
            "sections",
            queryset=OutlineSection.objects.prefetch_related(
                Prefetch("items", queryset=OutlineItem.objects.order_by("position"))
            ).order_by("position"),
        ),
        "milestones",
    )


def outlines_visible_to(user: Person) -> QuerySet[Outline]:
    """Coordinators see every outline (they build visits from them); others see
    the outlines of the visits they see."""
    if policies.is_coordinator(user):
        return Outline.objects.all()
    if not isinstance(user, User):
        return Outline.objects.none()
    return Outline.objects.filter(pk__in=visits_visible_to(user).values("outline_id"))


def outline_data(outline: Outline) -> OutlineData:
    """The outline as plain data, for export and for copying into a new version."""
    return OutlineData(
        code=outline.code,
        version=outline.version,
        language=outline.language,
        title=outline.title,
        title_en=outline.title_en,
        issuer=outline.issuer,
        references=tuple(outline.references),
        milestones=tuple(
            MilestoneData(
                key=m.key,
                title=m.title,
                title_en=m.title_en,
                offset_days=m.offset_days,
                offset_working_days=m.offset_working_days,
                responsible=m.responsible,
            )
            for m in outline.milestones.order_by("position")
        ),
        sections=tuple(
            SectionData(
                number=s.number,
                title=s.title,
                title_en=s.title_en,
                items=tuple(
                    ItemData(number=i.number, text=i.text, text_en=i.text_en, answer=i.answer_type)
                    for i in s.items.all()
                ),
            )
            for s in outline_sections(outline.pk)
        ),
    )
