"""Storing an issued document's copy (SPEC §12): rendered once, written once with
its SHA-256, never regenerated. Called inside the issuing transaction, after the
number was taken (the number is printed in the bytes), by conclusion_issue and by
checklists.services.documents; who may issue was checked by them.

The file is written before the transaction commits: should it roll back, the
stored bytes stay behind under a random name that no row points to (harmless;
the same happens to a failed upload's file, and a later issue writes its own)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from checklists.documents.content import reference
from checklists.documents.content import symbol as unit_symbol
from checklists.documents.render import render_docx
from checklists.documents.sources import conclusion_content
from checklists.models import Conclusion, Document, Programme, Unit, User, Visit

Kind = Document.Kind


def document_store(
    *,
    kind: str,
    data: bytes,
    issuer: Unit,
    number: int,
    issued_on: dt.date,
    register_year: int,
    issued_by: User | None,
    visit: Visit | None = None,
    programme: Programme | None = None,
    conclusion: Conclusion | None = None,
    file_format: str = Document.Format.DOCX,
) -> Document:
    """Write the bytes and their row (inside the caller's transaction)."""
    document = Document(
        kind=kind,
        visit=visit,
        programme=programme,
        conclusion=conclusion,
        state=Document.State.ISSUED,
        issuer=issuer,
        register_year=register_year,
        number=number,
        reference=reference(
            issuer.document_style, number, Document.TYPE_CODES[kind], unit_symbol(issuer)
        ),
        issued_on=issued_on,
        format=file_format,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        issued_by=issued_by,
    )
    document.file.save("copy", ContentFile(data), save=False)
    try:
        document.save()
    except IntegrityError:
        # Another request stored this copy first: these bytes belong to no row.
        document.file.storage.delete(document.file.name or "")
        raise
    return document


def conclusion_copy(conclusion: Conclusion) -> Document | None:
    return Document.objects.filter(
        conclusion_id=conclusion.pk, kind=Kind.CONCLUSION, format=Document.Format.DOCX
    ).first()


def pdf_copy(docx: Document) -> Document | None:
    """The PDF copy of an issued .docx copy: the same register's same number."""
    return Document.objects.filter(
        issuer_id=docx.issuer_id,
        kind=docx.kind,
        register_year=docx.register_year,
        number=docx.number,
        format=Document.Format.PDF,
    ).first()


def document_pdf_store(*, docx: Document, data: bytes) -> Document:
    """Store the PDF made from an issued .docx copy, once: the same number, date,
    issuer and subject; should another request have stored it meanwhile (the
    unique constraints say so), theirs is the copy."""
    try:
        with transaction.atomic():
            return document_store(
                kind=docx.kind,
                data=data,
                issuer=docx.issuer,
                number=docx.number,
                issued_on=docx.issued_on,
                register_year=docx.register_year,
                issued_by=docx.issued_by,
                visit=docx.visit,
                programme=docx.programme,
                conclusion=docx.conclusion,
                file_format=Document.Format.PDF,
            )
    except IntegrityError:
        existing = pdf_copy(docx)
        if existing is None:
            raise
        return existing


def conclusion_document_store(*, conclusion: Conclusion, issued_by: User | None) -> Document:
    """The issued (or withdrawn) conclusion's copy, made once with its number; an
    existing copy is returned as it is (the command for older conclusions and a
    reader racing it both come here)."""
    if (existing := conclusion_copy(conclusion)) is not None:
        return existing
    assert conclusion.number is not None and conclusion.issued_on is not None
    assert conclusion.issuer is not None and conclusion.register_year is not None
    data = render_docx(conclusion_content(conclusion, draft=False))
    try:
        with transaction.atomic():
            return document_store(
                kind=Kind.CONCLUSION,
                data=data,
                issuer=conclusion.issuer,
                number=conclusion.number,
                issued_on=conclusion.issued_on,
                register_year=conclusion.register_year,
                issued_by=issued_by,
                visit=conclusion.visit,
                conclusion=conclusion,
            )
    except IntegrityError:
        # Made at the same instant by another request: theirs is the copy.
        existing = conclusion_copy(conclusion)
        if existing is None:
            raise
        return existing


def conclusion_documents_generate() -> list[Document]:
    """The copies of the conclusions issued before documents existed (issued or
    since withdrawn: each had its number), made once; a second run makes none."""
    made = []
    missing = (
        Conclusion.objects.filter(number__isnull=False)
        .exclude(documents__kind=Kind.CONCLUSION)
        .select_related("visit__host_unit", "visit__issuer", "issuer", "issued_by", "signer")
        .order_by("issued_on", "pk")
    )
    for conclusion in missing:
        made.append(
            conclusion_document_store(conclusion=conclusion, issued_by=conclusion.issued_by)
        )
    return made
