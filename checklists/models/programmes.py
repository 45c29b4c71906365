"""Programmes (SPEC §13): a plan such as Plan No. 10 that sends teams to many host
units over a year, one entry per host unit, each entry becoming one visit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from checklists.validators import one_line

from .legal import LegalInstrument
from .outlines import Outline
from .people import Unit


class Programme(models.Model):
    """A programme of visits: its issuer, year, outline, decision and legal basis.
    Draft → approved → closed (checklists.services.programmes); only a draft's
    entries change, and only an approved programme creates its visits."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[one_line])
    title = models.CharField(_("title"), max_length=500, validators=[one_line])
    issuer = models.ForeignKey(
        Unit, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="programmes"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    outline = models.ForeignKey(
        Outline, verbose_name=_("outline"), on_delete=models.PROTECT, related_name="programmes"
    )
    decision_ref = models.CharField(
        _("decision"), max_length=255, blank=True, validators=[one_line]
    )
    # The registered instrument `decision_ref` cites, when it reads as a citation
    # (checklists.services.legal_instruments.legal_instrument_for_reference).
    decision_instrument = models.ForeignKey(
        LegalInstrument,
        verbose_name=_("decision (registered)"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="decided_programmes",
    )
    legal_basis = models.ManyToManyField(
        LegalInstrument,
        verbose_name=_("legal basis"),
        blank=True,
        related_name="based_programmes",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Bumped by every change made through the services; the API's ETag.
    row_version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-year", "code", "id"]
        indexes = [models.Index(fields=["issuer", "year"], name="programme_issuer_year_idx")]

    def __str__(self) -> str:
        return f"{self.code} – {self.title}"


class ProgrammeEntry(models.Model):
    """One host unit of a programme: its team and its window (whole local days,
    both ends included). `visit` is the visit made from it, once it is made."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="entries"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    host_unit = models.ForeignKey(
        Unit, verbose_name=_("host unit"), on_delete=models.PROTECT, related_name="+"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lead"), on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("secretary"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="+"
    )
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    # The visit made from this entry (checklists.services.programmes
    # .programme_create_visits); a visit comes from one entry at most.
    visit = models.OneToOneField(
        "checklists.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programme_entry",
    )

    class Meta:
        verbose_name = _("programme entry")
        verbose_name_plural = _("programme entries")
        ordering = ["programme_id", "position", "id"]
        constraints = [
            # "One row per host unit" (SPEC §13).
            models.UniqueConstraint(
                fields=["programme", "host_unit"], name="programme_entry_one_per_host_unit"
            ),
            models.CheckConstraint(
                condition=Q(window_end__gte=F("window_start")),
                name="programme_entry_window_ordered",
                violation_error_message=_("The window cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.host_unit}"
