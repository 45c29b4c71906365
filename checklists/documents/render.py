"""Filling a built-in template (checklists.documents.layout) with a document's
content (checklists.documents.content): the .docx bytes."""

from __future__ import annotations

import io

from docxtpl import DocxTemplate

from .content import Content
from .layout import template_bytes


def render_docx(content: Content) -> bytes:
    """The document as .docx bytes. A template object is made afresh from the
    cached bytes each time: docxtpl changes the one it renders."""
    template = DocxTemplate(
        io.BytesIO(template_bytes(content.style, content.kind, content.team_copy))
    )
    # autoescape: text typed by people (findings, names) may hold "<" or "&".
    template.render(content.context(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
