"""The world of the document tests: the conclusion world (`outcome`) with the visit's
issuer (the "in" province) given its document symbol, and helpers that issue the
conclusion and the follow-up report and render every kind of document."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from checklists.models import Conclusion, Document, Unit, Visit
from checklists.services.conclusions import conclusion_issue
from checklists.services.documents import document_draft, document_issue

ISSUED_ON = dt.date(2025, 2, 5)


def set_style(unit: Unit, style: str, symbol: str = "TU") -> None:
    unit.document_style = style
    unit.document_symbol = symbol
    unit.save(update_fields=["document_style", "document_symbol"])


def issue_conclusion(visit: Visit, *, actor=None, issued_on: dt.date = ISSUED_ON) -> Conclusion:
    return conclusion_issue(actor=actor, visit=visit, issued_on=issued_on)


def issue_followup(visit: Visit, *, actor=None, issued_on: dt.date | None = None) -> Document:
    return document_issue(actor=actor, kind="followup", visit=visit, issued_on=issued_on)


def draft_bytes(visit: Visit, kind: str, actor=None) -> bytes:
    return document_draft(actor=actor, kind=kind, visit=visit).data


@pytest.fixture
def papers(outcome) -> SimpleNamespace:
    """`outcome` with its issuer (province "in") a Party issuer of symbol TU."""
    set_style(outcome.province_in, Unit.DocumentStyle.PARTY)
    outcome.visit.refresh_from_db()
    return outcome
