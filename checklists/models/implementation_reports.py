"""What the addressed unit reports on carrying a recommendation out (SPEC §11):
its implementation reports, their evidence files and the team's verdict on each."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .conclusions import Recommendation


def evidence_upload_path(evidence: EvidenceFile, filename: str) -> str:
    """Stored names never come from the client (SPEC §7): a random name; the
    original name is kept for display only."""
    return f"evidence/{uuid.uuid4().hex}"


class ImplementationReport(models.Model):
    """One report on a recommendation, waiting for (or given) the team's verdict.

    At most one report of a recommendation waits for its verdict at a time (a
    constraint): the recommendation is `reported` exactly while one does."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Waiting for the verdict")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        on_delete=models.CASCADE,
        related_name="reports",
    )
    text = models.TextField(_("text"))
    progress = models.PositiveSmallIntegerField(_("progress"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    verdict = models.CharField(
        _("verdict"), max_length=16, choices=Verdict.choices, default=Verdict.PENDING
    )
    verdict_note = models.TextField(_("verdict note"), blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verdict by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verdict_at = models.DateTimeField(_("verdict at"), null=True, blank=True)

    class Meta:
        verbose_name = _("implementation report")
        verbose_name_plural = _("implementation reports")
        ordering = ["recommendation_id", "-submitted_at", "-id"]
        constraints = [
            # Two reports sent at once: one waits for the verdict, the other is refused.
            models.UniqueConstraint(
                fields=["recommendation"],
                condition=Q(verdict="pending"),
                name="implementation_report_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="implementation_report_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(verdict="pending") | Q(verdict_at__isnull=False),
                name="implementation_report_verdict_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation.code} ({self.submitted_at:%Y-%m-%d})"


class EvidenceFile(models.Model):
    """A file attached to an implementation report, as stored: images are
    re-encoded without their metadata, so `size` and `sha256` are those of the
    stored bytes, not of what was sent."""

    report = models.ForeignKey(
        ImplementationReport,
        verbose_name=_("implementation report"),
        on_delete=models.CASCADE,
        related_name="files",
    )
    position = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(_("file"), upload_to=evidence_upload_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=100)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["report_id", "position", "id"]

    def __str__(self) -> str:
        return self.original_name
