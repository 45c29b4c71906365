"""Reads of the legal-instrument registry (SPEC §12)."""

from __future__ import annotations

from django.db.models import QuerySet

from checklists.models import LegalInstrument
from checklists.policies import Person, reads_legal_instruments


def legal_instruments_visible_to(user: Person) -> QuerySet[LegalInstrument]:
    """Every instrument for those who read the registry (coordinators, teams, host
    contacts; SPEC §4), none for anyone else, to whom it answers 404."""
    if not reads_legal_instruments(user):
        return LegalInstrument.objects.none()
    return LegalInstrument.objects.all()
