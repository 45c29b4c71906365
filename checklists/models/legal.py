"""The registry of legal instruments (SPEC §12): the documents that visits and
programmes cite as their decision or legal basis, each stored once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from checklists.legal_citations import Citation
from checklists.validators import one_line


class LegalInstrument(models.Model):
    """One legal instrument, parsed from a citation (checklists.legal_citations).

    The same instrument is never stored twice: (style, number, type, issuer, year)
    is unique, with an unknown year counting as one value (a partial index each),
    so that "126-QĐ/TW" cited without its date is stored once too."""

    class Style(models.TextChoices):
        PARTY = "party", _("Party")
        STATE = "state", _("State")

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        REPLACED = "replaced", _("Replaced")
        AMENDED = "amended", _("Amended")

    style = models.CharField(_("style"), max_length=8, choices=Style.choices)
    number = models.CharField(_("number"), max_length=8)
    type_code = models.CharField(_("document type"), max_length=8)
    # The type as the citation names it: Party QĐ is "Quy định" or "Quyết định".
    type_name = models.CharField(_("type name"), max_length=64, validators=[one_line])
    issuer_code = models.CharField(_("issuer"), max_length=64)
    # The body named in the citation ("Bộ Chính trị"); TW alone is several bodies.
    issuer_name = models.CharField(
        _("issuing body"), max_length=255, blank=True, validators=[one_line]
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    # State: 30/2020/NĐ-CP carries its year, 15/QĐ-BNV does not.
    year_in_number = models.BooleanField(_("year in the number"), default=False)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=1000, blank=True, validators=[one_line])
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IN_FORCE
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    # Written from the parts by the services (Citation.citation / short_citation):
    # columns, so that the list's search and the documents read them as they are.
    citation = models.CharField(_("citation"), max_length=1500, editable=False)
    short_citation = models.CharField(_("short citation"), max_length=128, editable=False)
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

    class Meta:
        verbose_name = _("legal instrument")
        verbose_name_plural = _("legal instruments")
        ordering = ["-year", "type_code", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["style", "number", "type_code", "issuer_code", "year"],
                condition=Q(year__isnull=False),
                name="legal_instrument_once_dated",
            ),
            # NULLs are distinct in a unique index: the yearless ones need their own.
            models.UniqueConstraint(
                fields=["style", "number", "type_code", "issuer_code"],
                condition=Q(year__isnull=True),
                name="legal_instrument_once_undated",
            ),
            models.CheckConstraint(
                condition=Q(replaced_by__isnull=True) | Q(status="replaced"),
                name="legal_instrument_replaced_by_only_when_replaced",
                violation_error_message=_(
                    "Only an instrument whose status is “replaced” names what replaced it."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(replaced_by=models.F("id")),
                name="legal_instrument_not_replaced_by_itself",
                violation_error_message=_("An instrument cannot be replaced by itself."),
            ),
        ]

    def __str__(self) -> str:
        return self.short_citation

    @property
    def is_replaced(self) -> bool:
        return self.status == self.Status.REPLACED

    def as_citation(self) -> Citation:
        assert self.year is not None or not self.year_in_number
        return Citation(
            style=self.style,
            number=self.number,
            type_code=self.type_code,
            type_name=self.type_name,
            issuer_code=self.issuer_code,
            issuer_name=self.issuer_name,
            year=self.year,
            issued_on=self.issued_on,
            title=self.title,
            year_in_number=self.year_in_number,
        )

    def write_citations(self) -> None:
        """Refresh the stored citations from the parts (before a save)."""
        parts = self.as_citation()
        self.citation = parts.citation
        self.short_citation = parts.short_citation
