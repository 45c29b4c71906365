"""Filling a document's template with its content (checklists.documents.content):
the .docx bytes. The template is the issuing unit's own one of that kind when it
uploaded one (checklists.documents.custom), else the built-in one
(checklists.documents.layout)."""

from __future__ import annotations

import io
import logging

from django.utils.translation import gettext as _
from docxtpl import DocxTemplate

from checklists.errors import Conflict
from checklists.models import DocumentTemplate

from .content import Content
from .custom import TemplateFailed, fill
from .layout import template_bytes

logger = logging.getLogger(__name__)


def own_template(issuer_id: int | None, kind: str) -> bytes | None:
    """The bytes of the unit's own template of `kind`, if it has one. A file gone
    from storage is logged and the built-in template serves: the document still
    comes out, in the standard format."""
    if issuer_id is None:
        return None
    template = DocumentTemplate.objects.filter(issuer_id=issuer_id, kind=kind).first()
    if template is None:
        return None
    try:
        with template.file.storage.open(template.file.name or "", "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        logger.error("Document template file missing: %s (%s)", template.pk, template.file.name)
        return None


def render_docx(content: Content) -> bytes:
    """The document as .docx bytes. A built-in template object is made afresh from
    the cached bytes each time: docxtpl changes the one it renders."""
    own = own_template(content.issuer_id, content.kind)
    if own is not None:
        try:
            return fill(own, content)
        except TemplateFailed as failed:
            # Checked against sample data at upload; a real document may still
            # trip it (a value the samples lack). Nothing is issued with it.
            raise Conflict(
                _(
                    "The issuing unit's own template cannot be filled with this document: "
                    "%(reason)s A coordinator of the unit may correct the template or "
                    "delete it to use the built-in one."
                )
                % {"reason": failed.message},
                code="template_failed",
            ) from None
    template = DocxTemplate(
        io.BytesIO(template_bytes(content.style, content.kind, content.team_copy))
    )
    # autoescape: text typed by people (findings, names) may hold "<" or "&".
    template.render(content.context(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
