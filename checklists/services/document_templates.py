"""A unit's own document templates (SPEC §12 "Templates"): a coordinator of the
issuing unit uploads a .docx per kind; the unit's documents of that kind (drafts,
and copies issued from then on) are drawn from it (checklists.documents.render).
Copies issued before keep their bytes: they are frozen.

An upload is checked before anything is stored, in this order:
1. who: a coordinator whose scope holds the issuer (policies.authorize_document_template);
2. the file, by its content (checklists.uploads, the draft reports' checks):
   size, a whole ZIP within the archive limits, a Word document (.docx), no
   macros (.docm, vbaProject.bin), not encrypted, not an old .doc, no active
   content (DDE, OLE, remote templates, external links);
3. the placeholders: the template is filled with the sample data of its kind
   (checklists.documents.samples), full and sparse, in the sandbox
   (checklists.documents.custom); a failure names the placeholder and the reason.

One template per unit and kind: a new upload replaces the row (the old file is
removed after commit). Upload and delete are audited."""

from __future__ import annotations

import uuid
from typing import IO, NamedTuple

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from checklists.documents.content import PARTY
from checklists.documents.custom import TemplateFailed, fill
from checklists.documents.layout import template_bytes
from checklists.documents.samples import samples
from checklists.errors import Conflict, Invalid, NotAllowed, NotFound
from checklists.limits import MAX_DOCUMENT_TEMPLATE_BYTES
from checklists.models import DocumentTemplate, Unit
from checklists.policies import Person, authorize_document_template, is_coordinator
from checklists.services.audit import acting_user, audit_record
from checklists.uploads import DOCX, UploadInvalid, display_name, sniff_report

KINDS = tuple(DocumentTemplate.Kind.values)
STYLES = tuple(Unit.DocumentStyle.values)


class TemplateFile(NamedTuple):
    filename: str
    data: bytes


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise Invalid({"kind": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)}})
    return kind


def document_template_check(data: bytes, *, kind: str, style: str) -> None:
    """Fill the template with the samples of `kind` in `style`; Invalid naming the
    placeholder and the reason when it fails."""
    for content in samples(kind, style):
        try:
            fill(data, content)
        except TemplateFailed as failed:
            raise Invalid({"file": [failed.message]}) from None


def _delete_file(name: str, storage) -> None:
    if name:
        storage.delete(name)


def document_template_upload(
    *, actor: Person | None, issuer: Unit, kind: str, upload: IO[bytes], filename: str
) -> DocumentTemplate:
    """Check and store the unit's own template of `kind`, replacing its current one
    (see the module). Nothing is stored for a refused file."""
    authorize_document_template(actor, issuer, existing=False)
    _kind(kind)
    sniffed = sniff_report(upload, max_bytes=MAX_DOCUMENT_TEMPLATE_BYTES)
    if sniffed.content_type != DOCX:
        raise UploadInvalid(
            _("A template is a Word document (.docx); this file is not one."),
            code="unsupported_type",
        )
    name = display_name(filename, extension="docx")
    upload.seek(0)
    data = upload.read()
    document_template_check(data, kind=kind, style=issuer.document_style)
    template = DocumentTemplate(
        issuer=issuer,
        kind=kind,
        original_name=name,
        size=sniffed.size,
        sha256=sniffed.sha256,
        uploaded_by=acting_user(actor),
    )
    template.file.save(uuid.uuid4().hex, ContentFile(data), save=False)
    storage = template.file.storage
    try:
        with transaction.atomic():
            previous = (
                DocumentTemplate.objects.select_for_update()
                .filter(issuer=issuer, kind=kind)
                .first()
            )
            if previous is not None:
                previous.delete()
                old_name = previous.file.name or ""
                transaction.on_commit(lambda: _delete_file(old_name, storage))
            try:
                with transaction.atomic():
                    template.save()
            except IntegrityError:
                raise Conflict(
                    _("Another template of this kind was uploaded at the same moment; try again."),
                    code="template_race",
                ) from None
            audit_record(
                actor=actor,
                action="upload",
                obj=template,
                changes={
                    "issuer": issuer.pk,
                    "kind": kind,
                    "filename": name,
                    "size": template.size,
                    "sha256": template.sha256,
                    "replaced": previous.sha256 if previous is not None else None,
                },
            )
    except BaseException:
        _delete_file(template.file.name or "", storage)
        raise
    return template


def document_template_delete(*, actor: Person | None, template: DocumentTemplate) -> None:
    """Delete the unit's own template: its documents are drawn from the built-in
    one again (copies already issued keep their bytes)."""
    authorize_document_template(actor, template.issuer, existing=True)
    storage, name = template.file.storage, template.file.name or ""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="delete",
            obj=template,
            changes={
                "issuer": template.issuer_id,
                "kind": template.kind,
                "filename": template.original_name,
                "sha256": template.sha256,
            },
        )
        template.delete()
        transaction.on_commit(lambda: _delete_file(name, storage))


def document_template_file(*, actor: Person | None, template: DocumentTemplate) -> TemplateFile:
    """The uploaded template's bytes, as stored."""
    authorize_document_template(actor, template.issuer, existing=True)
    try:
        with template.file.storage.open(template.file.name or "", "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise NotFound(_("The template's file is missing from storage; upload it again.")) from None
    return TemplateFile(template.original_name, data)


def document_template_example(
    *, actor: Person | None, kind: str, style: str | None = None
) -> TemplateFile:
    """The built-in template of `kind`, placeholders and all: where a coordinator's
    own template starts. `style` defaults to the person's unit's."""
    if actor is not None and not is_coordinator(actor):
        raise NotAllowed(_("Only a coordinator may download the example templates."))
    _kind(kind)
    if style is None:
        unit = getattr(actor, "coordinator_scope", None) or getattr(actor, "host_unit", None)
        style = unit.document_style if unit is not None else PARTY
    if style not in STYLES:
        raise Invalid({"style": _("Choose one of: %(styles)s.") % {"styles": ", ".join(STYLES)}})
    data = template_bytes(style, kind, kind == DocumentTemplate.Kind.CHECKLIST)
    return TemplateFile(f"mau-{kind}-{style}.docx", data)
