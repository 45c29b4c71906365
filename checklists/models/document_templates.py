"""A unit's own templates of its documents (SPEC §12 "Templates"): a coordinator
uploads a .docx per kind and issuing unit, checked by rendering it against sample
data (checklists.services.document_templates); the unit's documents of that kind
are then drawn from it instead of the built-in one (checklists.documents.render).
One current template per unit and kind: uploading again replaces it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .documents import Document
from .people import Unit


def template_upload_path(template: DocumentTemplate, filename: str) -> str:
    """A random stored name, as issued copies are stored: never the client's name."""
    return f"document-templates/{template.kind}/{uuid.uuid4().hex}"


class DocumentTemplate(models.Model):
    Kind = Document.Kind

    kind = models.CharField(_("kind"), max_length=16, choices=Document.Kind.choices)
    issuer = models.ForeignKey(
        Unit, verbose_name=_("issuer"), on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=template_upload_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["issuer__name", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "kind"], name="document_template_one_per_issuer_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} – {self.get_kind_display()}"
