"""Official documents (SPEC §12): the issued copies of what a unit hands up and down
the hierarchy. Only issued copies are stored; a draft is rendered when asked for
(checklists.documents) and never kept. An issued copy is frozen: its bytes are
written once, with their SHA-256, and never regenerated (withdrawing a conclusion
keeps its copy on record)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .conclusions import Conclusion
from .people import Unit
from .programmes import Programme
from .visits import Visit


def document_upload_path(document: Document, filename: str) -> str:
    """A random stored name in a folder per kind, as report revisions and evidence
    files are stored: the name a person downloads is made from the number."""
    return f"documents/{document.kind}/{uuid.uuid4().hex}"


class Document(models.Model):
    class Kind(models.TextChoices):
        CONCLUSION = "conclusion", _("Conclusion")
        PROGRAMME = "programme", _("Programme")
        FOLLOWUP = "followup", _("Follow-up report")
        CHECKLIST = "checklist", _("Checklist record")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    class Format(models.TextChoices):
        DOCX = "docx", _("Word document (.docx)")
        PDF = "pdf", _("PDF")

    # The type code in the number (SPEC §5); the checklist record is never issued.
    TYPE_CODES: dict[str, str] = {
        Kind.CONCLUSION: "KL",
        Kind.PROGRAMME: "KH",
        Kind.FOLLOWUP: "BC",
    }
    # The kinds of a visit's documents and of a programme's.
    VISIT_KINDS = (Kind.CONCLUSION, Kind.FOLLOWUP, Kind.CHECKLIST)
    PROGRAMME_KINDS = (Kind.PROGRAMME,)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    # The conclusion the document is (kind conclusion) or reports on (followup).
    conclusion = models.ForeignKey(
        Conclusion,
        verbose_name=_("conclusion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.ISSUED)
    # The unit whose outgoing register gave the number, and that register's year.
    issuer = models.ForeignKey(
        Unit, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="+"
    )
    register_year = models.PositiveIntegerField(_("register year"))
    number = models.PositiveIntegerField(_("number"))
    # The reference as printed ("12-KL/TU", "05/BC-UBND"), written at issue.
    reference = models.CharField(_("reference"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    format = models.CharField(
        _("format"), max_length=8, choices=Format.choices, default=Format.DOCX
    )
    file = models.FileField(_("file"), upload_to=document_upload_path, max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(visit__isnull=False) & Q(programme__isnull=True))
                | (Q(visit__isnull=True) & Q(programme__isnull=False)),
                name="document_visit_or_programme",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["conclusion", "followup"], conclusion__isnull=False)
                | Q(kind__in=["programme", "checklist"], conclusion__isnull=True),
                name="document_conclusion_when_needed",
            ),
            # Only issued copies are stored; the checklist record is never issued.
            models.CheckConstraint(
                condition=Q(state="issued") & ~Q(kind="checklist"),
                name="document_stored_only_issued",
            ),
            # The register's promise, held by the database too.
            models.UniqueConstraint(
                fields=["issuer", "kind", "register_year", "number", "format"],
                name="document_number_unique_per_register",
            ),
            # One frozen copy of each: a conclusion's, the follow-up report on it,
            # a programme's (per format).
            models.UniqueConstraint(
                fields=["conclusion", "kind", "format"],
                condition=Q(conclusion__isnull=False),
                name="document_one_copy_per_conclusion",
            ),
            models.UniqueConstraint(
                fields=["programme", "kind", "format"],
                condition=Q(programme__isnull=False),
                name="document_one_copy_per_programme",
            ),
        ]
        indexes = [
            models.Index(fields=["visit", "kind"], name="document_visit_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def filename(self) -> str:
        """The name a download is given: the reference, made safe for a file name."""
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.reference)
        return f"{safe}.{self.format}"
