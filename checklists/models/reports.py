from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .outlines import OutlineSection
from .visits import Visit


def revision_upload_path(revision: ReportRevision, filename: str) -> str:
    """Stored names never come from the client (SPEC §7): a random name in a
    folder per visit; the original name is kept for display only."""
    return f"reports/visit-{revision.visit_id}/{uuid.uuid4().hex}"


class ReportRevision(models.Model):
    """One revision of a host unit's draft report (dự thảo báo cáo) for a visit."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")
        SUPERSEDED = "superseded", _("Superseded")

    class TextStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="report_revisions"
    )
    number = models.PositiveIntegerField(_("number"))
    file = models.FileField(_("file"), upload_to=revision_upload_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    text_status = models.CharField(
        _("text status"), max_length=10, choices=TextStatus.choices, default=TextStatus.PENDING
    )
    text = models.TextField(_("extracted text"), blank=True)
    text_error = models.TextField(_("extraction error"), blank=True)
    text_extracted_at = models.DateTimeField(_("text extracted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report revision")
        verbose_name_plural = _("report revisions")
        ordering = ["visit", "number"]
        constraints = [
            # Numbers never repeat, whatever races the application loses.
            models.UniqueConstraint(fields=["visit", "number"], name="revision_number_unique"),
            # The same file twice for one visit is refused (409, naming the first).
            models.UniqueConstraint(fields=["visit", "sha256"], name="revision_content_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
        ]
        indexes = [
            # The extraction sweep looks for revisions still waiting for text.
            models.Index(
                fields=["uploaded_at"],
                condition=Q(text_status="pending"),
                name="revision_text_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit} r{self.number}"


class Review(models.Model):
    """The team's decision on one revision: accept it or ask for changes."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        REQUEST_CHANGES = "request_changes", _("Request changes")

    revision = models.ForeignKey(
        ReportRevision, verbose_name=_("revision"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["revision", "created_at"]

    def __str__(self) -> str:
        return f"{self.revision}: {self.get_decision_display()}"


class ReviewComment(models.Model):
    """A comment of the team (ý kiến của Đoàn) on a revision, optionally tied to an
    outline section, answered by the host's explanation (giải trình)."""

    class State(models.TextChoices):
        # "Open" of a comment (still to settle), unlike a checklist item's (not started).
        OPEN = "open", pgettext_lazy("review comment", "Open")
        RESOLVED = "resolved", _("Resolved")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")

    revision = models.ForeignKey(
        ReportRevision,
        verbose_name=_("revision"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    review = models.ForeignKey(
        Review,
        verbose_name=_("review"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    section = models.ForeignKey(
        OutlineSection,
        verbose_name=_("outline section"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    response = models.TextField(_("host's explanation"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The same comment on the earlier revision, when it carried over unresolved.
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("carried from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_to",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["revision", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class RevisionComparison(models.Model):
    """The word-level comparison of a revision with another of the same visit
    (checklists.comparison), computed once both texts are ready and kept: texts
    never change once extracted, so neither does this. The worker computes each
    revision against the previous one; other pairs are computed when first asked
    for."""

    revision = models.ForeignKey(
        ReportRevision,
        verbose_name=_("revision"),
        on_delete=models.CASCADE,
        related_name="comparisons",
    )
    against = models.ForeignKey(
        ReportRevision,
        verbose_name=_("compared with"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The sections with their paragraph changes and word spans (SPEC §5 `diff`).
    result = models.JSONField(_("result"))
    # The unified diff without its two label lines (written when read, in the
    # reader's language).
    unified_diff = models.TextField(_("unified diff"), blank=True)
    inserted = models.PositiveIntegerField(_("words inserted"))
    deleted = models.PositiveIntegerField(_("words deleted"))
    # checklists.comparison.ALGORITHM when computed: an older one is computed again.
    algorithm = models.PositiveSmallIntegerField(_("algorithm version"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("revision comparison")
        verbose_name_plural = _("revision comparisons")
        constraints = [
            # One kept result per ordered pair: concurrent computations of the same
            # pair insert once (the loser reads the winner's row).
            models.UniqueConstraint(
                fields=["revision", "against"], name="revision_comparison_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.revision} / r{self.against_id}"
