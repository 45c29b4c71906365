"""Outlines: create a draft version (from data or from a file), publish it, retire
it, start the next version, delete a draft.

Managing outlines is for coordinators (SPEC §4): every service here that acts for
a person refuses anyone else (NotAllowed) before it reads or writes anything; an
actor of None is the system (commands, seeding, tests).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files import File
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checklists.errors import Conflict, NotFound, OutlineNotEditable
from checklists.models import Outline, OutlineItem, OutlineMilestone, OutlineSection
from checklists.outline_data import ItemData, MilestoneData, OutlineData, SectionData
from checklists.outline_files import parse_outline
from checklists.policies import Person, require_coordinator
from checklists.selectors.outlines import outline_data
from checklists.services.audit import acting_user, audit_record

__all__ = [
    "ItemData",
    "MilestoneData",
    "OutlineData",
    "SectionData",
    "outline_create",
    "outline_data",
    "outline_delete",
    "outline_edit_lock",
    "outline_ensure_editable",
    "outline_for_change",
    "outline_import",
    "outline_new_version",
    "outline_publish",
    "outline_retire",
]

ONLY_COORDINATORS = gettext_lazy("Only coordinators manage outlines.")


def _require_manager(actor: Person | None) -> None:
    require_coordinator(actor, ONLY_COORDINATORS)


@transaction.atomic
def outline_create(*, actor: Person | None, data: OutlineData) -> Outline:
    """Save an outline version as a draft, all of it or nothing (coordinators only).

    Everything is validated before anything is written, and every problem is
    reported at once in one ValidationError keyed by field path, as the API and
    outline files name them (``sections[1].items[0].number``): the outline's own
    fields, each section, item and milestone row, and the numbers and keys that
    must be unique within the outline (the database constraints stay as the
    backstop).
    """
    _require_manager(actor)
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
        created_by=acting_user(actor),
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
    for section in sections:
        section.outline = outline
    for milestone in milestones:
        milestone.outline = outline
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
    errors: dict[str, list[ValidationError]], row: models.Model, path: str, *, exclude: list[str]
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


def outline_import(
    *,
    actor: Person | None,
    content: bytes | File,
    filename: str = "",
    publish: bool = False,
) -> Outline:
    """Save an outline file as a new draft version, or publish it too.

    `content` is the file's bytes or an uploaded file; an upload is measured before
    it is read, and only once the person may import at all (a refused person learns
    nothing from the file's checks).

    All or nothing: an invalid file raises OutlineFileError before anything is
    written; a duplicate code+version (ValidationError) or a failed publish rolls
    the whole import back.
    """
    _require_manager(actor)
    if isinstance(content, File):
        limit = settings.OUTLINE_FILE_MAX_BYTES
        if content.size is not None and content.size > limit:
            raise ValidationError(
                {
                    "file": _(
                        "The file is %(size)s bytes; outline files may have at most %(limit)s."
                    )
                    % {"size": content.size, "limit": limit}
                }
            )
        filename = filename or content.name or ""
    raw: bytes = content.read() if isinstance(content, File) else content
    # Parsed before the transaction opens: a large file does not keep one waiting.
    data = parse_outline(raw, filename=filename)
    with transaction.atomic():
        outline = outline_create(actor=actor, data=data)
        if publish:
            outline = outline_publish(actor=actor, outline=outline)
    return outline


@transaction.atomic
def outline_publish(*, actor: Person | None, outline: Outline) -> Outline:
    """Publish a draft. The version published before it for the same code is
    retired in the same transaction: one current version per outline."""
    _require_manager(actor)
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
def outline_retire(*, actor: Person | None, outline: Outline) -> Outline:
    """Retire a published version: no new visit is built from it; existing ones keep it."""
    _require_manager(actor)
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
def outline_new_version(*, actor: Person | None, outline: Outline) -> Outline:
    """Start the next version of an outline as an editable draft copy."""
    _require_manager(actor)
    # Lock the code's versions: two people starting a new version at once must
    # get consecutive numbers, not a unique-constraint error.
    list(Outline.objects.select_for_update().filter(code=outline.code).values_list("pk", flat=True))
    latest: Any = Outline.objects.filter(code=outline.code).aggregate(v=Max("version"))["v"]
    data = outline_data(outline)
    copy = OutlineData(**{**data.__dict__, "version": latest + 1})
    return outline_create(actor=actor, data=copy)


def outline_for_change(*, actor: Person | None, outline_id: int | str) -> Outline:
    """The outline a person is about to publish, retire, copy or delete.

    Refused (NotAllowed) to anyone but a coordinator before it is looked up, so
    that they learn nothing of which outlines exist; NotFound when there is none.
    """
    _require_manager(actor)
    if isinstance(outline_id, str):
        outline_id = int(outline_id) if outline_id.isascii() and outline_id.isdigit() else 0
    outline = Outline.objects.filter(pk=outline_id).first() if 0 < outline_id < 2**63 else None
    if outline is None:
        raise NotFound(_("There is no such outline."))
    return outline


def outline_edit_lock(*, actor: Person | None, outline_id: int) -> Outline:
    """The draft, locked for an edit of its fields or parts (the admin's forms):
    refused to anyone but a coordinator, and unless it is a draft. outline_publish
    locks the same row, so an edit can never land in a version just published.
    Call it inside the edit's transaction (outside one, select_for_update raises):
    the lock lasts until it ends."""
    _require_manager(actor)
    outline = Outline.objects.select_for_update().get(pk=outline_id)
    outline_ensure_editable(outline)
    return outline


def outline_ensure_editable(outline: Outline) -> None:
    """Refuse (409) to change a published or retired version."""
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
def outline_delete(*, actor: Person | None, outline: Outline) -> None:
    """Delete a draft that no visit uses; published versions are history and stay."""
    _require_manager(actor)
    outline_ensure_editable(outline)
    if outline.visits.exists():
        raise Conflict(_("Visits were built from this outline, so it cannot be deleted."))
    audit_record(
        actor=actor,
        action="delete",
        obj=outline,
        changes={"code": outline.code, "version": outline.version},
    )
    outline.delete()
