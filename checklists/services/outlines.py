"""Outlines: create a draft version, publish it, retire it, start the next version."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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
    """Save an outline version as a draft, all of it or nothing.

    Everything is validated before anything is written, and every problem is
    reported at once in one ValidationError keyed by field path, as the API and
    outline files name them (``sections[1].items[0].number``): the outline's own
    fields, each section, item and milestone row, and the numbers and keys that
    must be unique within the outline (the database constraints stay as the
    backstop).
    """
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
    errors: dict[str, list[ValidationError]] = {}
    try:
        outline.full_clean()
    except ValidationError as exc:
        exc.update_error_dict(errors)
    milestones = [
        OutlineMilestone(
            position=position,
            key=milestone.key,
            title=milestone.title,
            title_en=milestone.title_en,
            offset_days=milestone.offset_days,
            offset_working_days=milestone.offset_working_days,
            responsible=milestone.responsible,
        )
        for position, milestone in enumerate(data.milestones, start=1)
    ]
    sections = [
        OutlineSection(
            position=position,
            number=section.number,
            title=section.title,
            title_en=section.title_en,
        )
        for position, section in enumerate(data.sections, start=1)
    ]
    items = [
        [
            OutlineItem(
                position=position,
                number=item.number,
                text=item.text,
                text_en=item.text_en,
                answer_type=item.answer,
            )
            for position, item in enumerate(section.items, start=1)
        ]
        for section in data.sections
    ]
    _check_rows(errors, milestones, sections, items)
    if errors:
        raise ValidationError(errors)

    outline.save()
    for row in (*sections, *milestones):
        row.outline = outline
    OutlineSection.objects.bulk_create(sections)
    for section, section_items in zip(sections, items, strict=True):
        for item in section_items:
            item.section = section
    OutlineItem.objects.bulk_create([item for section_items in items for item in section_items])
    OutlineMilestone.objects.bulk_create(milestones)
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


def _check_rows(
    errors: dict[str, list[ValidationError]],
    milestones: list[OutlineMilestone],
    sections: list[OutlineSection],
    items: list[list[OutlineItem]],
) -> None:
    """Add to ``errors`` every problem of the unsaved rows, keyed by field path.

    Each row is validated the way a single save would (lengths, choices, the
    one-offset rule), so data from any caller, not only outline files, is checked.
    Uniqueness within the outline is checked here on the whole outline, in the
    words the outline file reader uses, since the rows cannot query each other
    before they exist.
    """
    keys: dict[str, str] = {}
    for index, milestone in enumerate(milestones):
        path = f"milestones[{index}]"
        _clean_row(errors, milestone, path, exclude=["outline"])
        _check_unique(
            errors,
            keys,
            milestone.key,
            f"{path}.key",
            _('The milestone key "%(value)s" is already used by %(other)s.'),
        )
    numbers: dict[str, str] = {}
    for index, (section, section_items) in enumerate(zip(sections, items, strict=True)):
        path = f"sections[{index}]"
        _clean_row(errors, section, path, exclude=["outline"])
        _check_unique(
            errors,
            numbers,
            section.number,
            f"{path}.number",
            _('The section number "%(value)s" is already used by %(other)s.'),
        )
        item_numbers: dict[str, str] = {}
        for item_index, item in enumerate(section_items):
            item_path = f"{path}.items[{item_index}]"
            _clean_row(errors, item, item_path, exclude=["section"])
            _check_unique(
                errors,
                item_numbers,
                item.number,
                f"{item_path}.number",
                _('The item number "%(value)s" is already used in this section by %(other)s.'),
            )


def _clean_row(
    errors: dict[str, list[ValidationError]], row, path: str, *, exclude: list[str]
) -> None:
    """full_clean the row, its errors keyed under ``path`` (``sections[0].title``;
    an error of the whole row under ``sections[0]``)."""
    try:
        row.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.error_dict.items():
            key = path if name == NON_FIELD_ERRORS else f"{path}.{name}"
            errors.setdefault(key, []).extend(messages)


def _check_unique(
    errors: dict[str, list[ValidationError]],
    seen: dict[str, str],
    value: str,
    path: str,
    message: str,
) -> None:
    """Report ``value`` at ``path`` if an earlier path (kept in ``seen``) used it."""
    if not value:
        return
    if value in seen:
        errors.setdefault(path, []).append(
            ValidationError(message % {"value": value, "other": seen[value]}, code="unique")
        )
    else:
        seen[value] = path


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
