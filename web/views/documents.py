"""The "Documents" block of the visit and programme pages (SPEC §12): the drafts to
download as .docx and PDF (the API's paths, which accept the page's session; an
issued kind answers its frozen copy there), the issued copies with their number,
date and hash, the warnings of cited instruments marked replaced, and the button
that issues the follow-up report or the programme's document.

What is offered is checklists.selectors.documents' answer; the downloads and the
issuing are the services' (checklists.services.documents), whose refusals land on
web.errors' pages. The block is small on purpose: the visit page with a long
checklist has a size budget (bench/page_floors.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from checklists.documents.sources import legal_warnings
from checklists.models import Conclusion, Document, Programme, User, Visit
from checklists.selectors.documents import (
    DocumentOffer,
    documents_visible_to,
    programme_document_offer,
    visit_document_offer,
    visit_documents_for,
)
from checklists.selectors.programmes import programmes_visible_to
from checklists.services.documents import document_issue
from web.views.base import signed_in, visible_visit

SHORT_HASH = 12


@dataclass(frozen=True)
class Download:
    label: str
    docx: str
    pdf: str


@dataclass(frozen=True)
class IssuedCopy:
    reference: str
    issued_on: str
    format: str
    sha256: str
    url: str

    @property
    def short_hash(self) -> str:
        return self.sha256[:SHORT_HASH]


@dataclass
class DocumentsBlock:
    downloads: list[Download] = field(default_factory=list)
    issued: list[IssuedCopy] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    issue_url: str = ""
    issue_label: str = ""


def _issued(rows: list[Document]) -> list[IssuedCopy]:
    return [
        IssuedCopy(
            reference=row.reference,
            issued_on=formats.date_format(row.issued_on, "SHORT_DATE_FORMAT"),
            format=row.format.upper(),
            sha256=row.sha256,
            url=reverse("api:document-file", args=[row.pk]),
        )
        for row in rows
    ]


def _kind_label(kind: str) -> str:
    return str(Document.Kind(kind).label)


def visit_documents_block(
    user: User, visit: Visit, conclusion: Conclusion | None
) -> DocumentsBlock:
    """`conclusion`: the visit's current one, as the page's conclusion block read it."""
    offer: DocumentOffer = visit_document_offer(user, visit, conclusion=conclusion)
    downloads = [
        Download(
            _kind_label(kind),
            reverse("api:visit-document", args=[visit.pk, kind]),
            reverse("api:visit-document-pdf", args=[visit.pk, kind]),
        )
        for kind in offer.kinds
    ]
    rows = list(visit_documents_for(user, visit).order_by("issued_on", "id"))
    return DocumentsBlock(
        downloads=downloads,
        issued=_issued(rows),
        warnings=legal_warnings(visit=visit),
        issue_url=reverse("web:document_issue", args=[visit.pk]) if offer.may_issue else "",
        issue_label=_("Issue the follow-up report") if offer.may_issue else "",
    )


def programme_documents_block(user: User, programme: Programme) -> DocumentsBlock:
    offer = programme_document_offer(user, programme)
    downloads = [
        Download(
            _kind_label(kind),
            reverse("api:programme-document", args=[programme.pk]),
            reverse("api:programme-document-pdf", args=[programme.pk]),
        )
        for kind in offer.kinds
    ]
    rows = list(
        documents_visible_to(user).filter(programme_id=programme.pk).order_by("issued_on", "id")
    )
    may_issue = offer.may_issue is not None
    return DocumentsBlock(
        downloads=downloads,
        issued=_issued(rows),
        warnings=legal_warnings(programme=programme),
        issue_url=reverse("web:programme_document_issue", args=[programme.pk]) if may_issue else "",
        issue_label=_("Issue the programme's document") if may_issue else "",
    )


def _issued_message(request: HttpRequest, document: Document) -> None:
    messages.success(
        request,
        _("%(kind)s No. %(reference)s is issued.")
        % {"kind": _kind_label(document.kind), "reference": document.reference},
    )


@login_required
@require_POST
def visit_document_issue(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Issue the visit's follow-up report (refusals: web.errors)."""
    visit, _access = visible_visit(request, visit_id)
    document = document_issue(actor=signed_in(request), kind=Document.Kind.FOLLOWUP, visit=visit)
    _issued_message(request, document)
    return redirect(reverse("web:visit", args=[visit.pk]) + "#documents")


@login_required
@require_POST
def programme_document_issue(request: HttpRequest, programme_id: int) -> HttpResponse:
    """Issue the programme's document (refusals: web.errors)."""
    programme = get_object_or_404(
        programmes_visible_to(signed_in(request)).select_related("issuer"), pk=programme_id
    )
    document = document_issue(
        actor=signed_in(request), kind=Document.Kind.PROGRAMME, programme=programme
    )
    _issued_message(request, document)
    return redirect(reverse("web:programme", args=[programme.pk]) + "#documents")
