from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .programmes import Programme


def import_upload_path(job: ImportJob, filename: str) -> str:
    """Stored names never come from the client: a random name."""
    return f"imports/{uuid.uuid4().hex}"


class ImportJob(models.Model):
    """A spreadsheet import too large to run inside a request, run by the worker
    (checklists.services.import_jobs): the stored file, who asked, and how it
    went, with the same per-row errors the synchronous 400 gives."""

    class Kind(models.TextChoices):
        UNITS = "units", _("Units")
        USERS = "users", _("People")
        PROGRAMME_ENTRIES = "programme_entries", _("Programme entries")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    file = models.FileField(_("file"), upload_to=import_upload_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    # The refusal as the synchronous 400 gives it: `errors` its sentences,
    # `rows` its {row, column, message}.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    rows = models.JSONField(_("row errors"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.state}"
