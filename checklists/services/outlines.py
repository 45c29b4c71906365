"""Outlines: create a draft version, publish it, retire it, start the next version."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.errors import OutlineNotEditable
from checklists.models import Outline, OutlineItem, OutlineMilestone, OutlineSection, User
from checklists.services.audit import audit_record


@dataclass(frozen=True)
class ItemData:
    number: str
    text: str
    answer: str
    text_en: str = ""


@dataclass(frozen=True)
class SectionData:
    number: str
    title: str
    items: tuple[ItemData, ...]
    title_en: str = ""


@dataclass(frozen=True)
class MilestoneData:
    key: str
    title: str
    responsible: str
    offset_days: int | None = None
    offset_working_days: int | None = None
    title_en: str = ""


@dataclass(frozen=True)
class OutlineData:
    """An outline as its file describes it (see checklists.outline_files)."""

    code: str
    version: int
    title: str
    sections: tuple[SectionData, ...]
    milestones: tuple[MilestoneData, ...] = ()
    title_en: str = ""
    language: str = "vi"
    issuer: str = ""
    references: tuple[str, ...] = field(default_factory=tuple)


@transaction.atomic
def outline_create(*, actor: User | None, data: OutlineData) -> Outline:
    """Save an outline version as a draft, all of it or nothing."""
    if Outline.objects.filter(code=data.code, version=data.version).exists():
        raise ValidationError(
            {
                "version": _("Outline %(code)s already has a version %(version)s.")
                % {"code": data.code, "version": data.version}
            }
        )
    outline = Outline(
        code=data.code,
        version=data.version,
        language=data.language,
        title=data.title,
        title_en=data.title_en,
        issuer=data.issuer,
        references=list(data.references),
        created_by=actor,
    )
    outline.full_clean()
    outline.save()
    sections = _cleaned(
        OutlineSection(
            outline=outline,
            position=position,
            number=section.number,
            title=section.title,
            title_en=section.title_en,
        )
        for position, section in enumerate(data.sections, start=1)
    )
    OutlineSection.objects.bulk_create(sections)
    OutlineItem.objects.bulk_create(
        _cleaned(
            OutlineItem(
                section=saved,
                position=position,
                number=item.number,
                text=item.text,
                text_en=item.text_en,
                answer_type=item.answer,
            )
            for saved, section in zip(sections, data.sections, strict=True)
            for position, item in enumerate(section.items, start=1)
        )
    )
    OutlineMilestone.objects.bulk_create(
        _cleaned(
            OutlineMilestone(
                outline=outline,
                position=position,
                key=milestone.key,
                title=milestone.title,
                title_en=milestone.title_en,
                offset_days=milestone.offset_days,
                offset_working_days=milestone.offset_working_days,
                responsible=milestone.responsible,
            )
            for position, milestone in enumerate(data.milestones, start=1)
        )
    )
    audit_record(
        actor=actor,
        action="create",
        obj=outline,
        changes={
            "code": data.code,
            "version": data.version,
            "sections": len(data.sections),
            "items": sum(len(s.items) for s in data.sections),
            "milestones": len(data.milestones),
        },
    )
    return outline


def _cleaned(rows):
    """Validate every row the way a single save would (lengths, choices, the
    one-offset rule), so data from any caller, not only outline files, is checked.
    Uniqueness within the outline is left to the database constraints."""
    rows = list(rows)
    for row in rows:
        row.full_clean(exclude=["outline", "section"], validate_unique=False)
    return rows


def outline_data(outline: Outline) -> OutlineData:
    """The outline as plain data, for export and for copying into a new version."""
    sections = outline.sections.prefetch_related("items").order_by("position")
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
                    for i in sorted(s.items.all(), key=lambda i: i.position)
                ),
            )
            for s in sections
        ),
    )


@transaction.atomic
def outline_publish(*, actor: User | None, outline: Outline) -> Outline:
    """Publish a draft. The version published before it for the same code is
    retired in the same transaction: one current version per outline."""
    outline = Outline.objects.select_for_update().get(pk=outline.pk)
    if outline.status != Outline.Status.DRAFT:
        raise OutlineNotEditable(
            _("Only a draft can be published; this version is %(status)s.")
            % {"status": outline.get_status_display()},
            code="not_draft",
        )
    if not OutlineItem.objects.filter(section__outline=outline).exists():
        raise ValidationError(
            _("An outline needs at least one section with one item to be published.")
        )
    now = timezone.now()
    for previous in Outline.objects.select_for_update().filter(
        code=outline.code, status=Outline.Status.PUBLISHED
    ):
        previous.status = Outline.Status.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at"])
        audit_record(
            actor=actor, action="retire", obj=previous, changes={"superseded_by": outline.version}
        )
    outline.status = Outline.Status.PUBLISHED
    outline.published_at = now
    outline.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action="publish", obj=outline)
    return outline


@transaction.atomic
def outline_retire(*, actor: User | None, outline: Outline) -> Outline:
    """Retire a published version: no new visit is built from it; existing ones keep it."""
    outline = Outline.objects.select_for_update().get(pk=outline.pk)
    if outline.status != Outline.Status.PUBLISHED:
        raise OutlineNotEditable(
            _("Only a published version can be retired."), code="not_published"
        )
    outline.status = Outline.Status.RETIRED
    outline.retired_at = timezone.now()
    outline.save(update_fields=["status", "retired_at"])
    audit_record(actor=actor, action="retire", obj=outline)
    return outline


@transaction.atomic
def outline_new_version(*, actor: User | None, outline: Outline) -> Outline:
    """Start the next version of an outline as an editable draft copy."""
    # Lock the code's versions: two people starting a new version at once must
    # get consecutive numbers, not a unique-constraint error.
    list(Outline.objects.select_for_update().filter(code=outline.code).values_list("pk", flat=True))
    latest = Outline.objects.filter(code=outline.code).aggregate(v=Max("version"))["v"]
    data = outline_data(outline)
    copy = OutlineData(**{**data.__dict__, "version": latest + 1})
    return outline_create(actor=actor, data=copy)


def outline_ensure_editable(outline: Outline) -> None:
    if not outline.is_editable:
        raise OutlineNotEditable(
            _(
                "Version %(version)s of %(code)s is %(status)s and cannot change; "
                "start a new version instead."
            )
            % {
                "version": outline.version,
                "code": outline.code,
                "status": outline.get_status_display(),
            },
            code="immutable",
        )


@transaction.atomic
def outline_delete(*, actor: User | None, outline: Outline) -> None:
    """Delete a draft that no visit uses; published versions are history and stay."""
    outline_ensure_editable(outline)
    if outline.visits.exists():
        raise ValidationError(_("Visits were built from this outline, so it cannot be deleted."))
    audit_record(
        actor=actor,
        action="delete",
        obj=outline,
        changes={"code": outline.code, "version": outline.version},
    )
    outline.delete()
