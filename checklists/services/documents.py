"""Official documents (SPEC §12): drafts rendered on request, issued copies frozen.

Who may (SPEC §4, "documents: as their visit or programme"):
- a draft, rendered now and marked "DỰ THẢO", for those who may edit what it
  shows: the conclusion's for those who draft the conclusion (host contacts are
  not told a draft exists: 404), the follow-up report's for those who manage the
  recommendations, the programme's for those who manage the programme; the
  checklist record for whoever sees the checklist, its internal notes in the
  team's and the coordinators' copy only;
- once a kind is issued, the same path answers the frozen copy, to those who may
  see it (checklists.selectors.documents): the host's contacts see the issued
  conclusion's copy only;
- issuing: the programme's by the coordinators of its issuer once it is approved,
  the follow-up report's by those who manage the recommendations once the
  conclusion is issued; the conclusion's copy is made by conclusion_issue.

Every download of an issued copy is audited. Classification (§14) does not change
who may see a document; its mark is printed in it (checklists.documents)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.documents.content import Content
from checklists.documents.render import render_docx
from checklists.documents.sources import (
    checklist_content,
    conclusion_content,
    followup_content,
    programme_content,
    visit_issuer,
)
from checklists.errors import Conflict, NotAllowed, NotFound
from checklists.models import Conclusion, Document, Notification, Programme, User, Visit
from checklists.pages import programme_page, visit_page
from checklists.policies import (
    FULL_ACCESS,
    PERMISSION_MESSAGES,
    Capability,
    Person,
    authorize_programme,
    visit_access,
)
from checklists.selectors.conclusions import addresses_unit_of, coordinators_of, current_conclusion
from checklists.selectors.documents import sees_visit_document
from checklists.services.audit import acting_user, audit_record
from checklists.services.conclusions import conclusion_for
from checklists.services.document_copies import (
    conclusion_copy,
    conclusion_document_store,
    document_pdf_store,
    document_store,
    pdf_copy,
)
from checklists.services.document_pdf import pdf_from_docx
from checklists.services.loop_notifications import (
    coordinators_in_scope,
    event_recipients,
    notify_event,
    team_planners,
)
from checklists.services.registers import register_take_number

logger = logging.getLogger(__name__)
Kind = Document.Kind
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
CONTENT_TYPES: dict[str, str] = {Document.Format.DOCX: DOCX_TYPE, Document.Format.PDF: PDF_TYPE}


class DocumentFile(NamedTuple):
    """A document's bytes and the name to download them under."""

    filename: str
    data: bytes
    document: Document | None = None  # the issued copy, when it is one
    warnings: tuple[str, ...] = ()
    content_type: str = DOCX_TYPE


# How an issued copy found on a draft path is answered: its own bytes (.docx paths)
# or its PDF copy's (.pdf paths).
Reader = Callable[[Person | None, Document], DocumentFile]


def _no_visit() -> NotFound:
    return NotFound(_("There is no such visit."))


def _no_document() -> NotFound:
    return NotFound(_("There is no such document."))


def _kind_of(kind: str, allowed: tuple[str, ...]) -> str:
    if kind not in allowed:
        raise ValidationError(
            {"kind": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(str(k) for k in allowed)}}
        )
    return kind


def _draft_name(kind: str, label: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in label) or "document"
    return f"du-thao-{kind}-{safe}.docx"


def _stored_bytes(document: Document) -> bytes:
    try:
        with document.file.storage.open(document.file.name or "", "rb") as handle:
            return bytes(handle.read())
    except FileNotFoundError:
        logger.error("Document file missing: %s (%s)", document.pk, document.file.name)
        raise NotFound(
            _("The file of document %(reference)s is missing from storage; tell a coordinator.")
            % {"reference": document.reference}
        ) from None


def _read(actor: Person | None, document: Document) -> DocumentFile:
    """The frozen copy's bytes; the download is audited."""
    data = _stored_bytes(document)
    audit_record(
        actor=actor,
        action="download",
        obj=document,
        visit_id=document.visit_id,
        changes={"kind": document.kind, "reference": document.reference},
    )
    return DocumentFile(
        document.filename, data, document, content_type=CONTENT_TYPES[document.format]
    )


def _read_pdf(actor: Person | None, docx: Document) -> DocumentFile:
    """The PDF copy of an issued .docx copy: made from the frozen .docx the first
    time it is asked for, then stored and answered as it is (the same bytes every
    time, like the .docx). The conversion takes seconds, so it runs with no
    transaction open; two first downloads at once both convert, and the second to
    store reads the first's copy."""
    copy = pdf_copy(docx)
    if copy is None:
        pdf = pdf_from_docx(_stored_bytes(docx), name=docx.filename.removesuffix(".docx"))
        copy = document_pdf_store(docx=docx, data=pdf)
    return _read(actor, copy)


def _drafted(content: Content, kind: str, label: str) -> DocumentFile:
    return DocumentFile(
        _draft_name(kind, label), render_docx(content), None, tuple(content.warnings)
    )


# --- a visit's documents ------------------------------------------------------------------


def _followup_copy(conclusion: Conclusion) -> Document | None:
    return Document.objects.filter(
        conclusion_id=conclusion.pk, kind=Kind.FOLLOWUP, format=Document.Format.DOCX
    ).first()


def _visit_draft(actor: Person | None, visit: Visit, kind: str, read: Reader) -> DocumentFile:
    access = FULL_ACCESS if actor is None else visit_access(actor, visit)
    label = visit.code or str(visit.pk)
    if kind == Kind.CHECKLIST:
        if not access.can_see:
            raise _no_visit()
        content = checklist_content(visit, team_copy=access.sees_internal_notes)
        return _drafted(content, kind, label)
    conclusion = current_conclusion(visit)
    issued = conclusion is not None and conclusion.state == Conclusion.State.ISSUED
    if kind == Kind.CONCLUSION and issued:
        assert conclusion is not None
        if actor is not None and not sees_visit_document(actor, visit, kind):
            raise _no_visit()
        return read(actor, conclusion_document_store(conclusion=conclusion, issued_by=None))
    copy = _followup_copy(conclusion) if issued and conclusion is not None else None
    if kind == Kind.FOLLOWUP and copy is not None:
        if actor is not None and not sees_visit_document(actor, visit, kind):
            raise _no_visit() if not access.can_see else _no_document()
        return read(actor, copy)
    # A draft: the team's and the coordinators'; hidden from everyone else.
    if not access.sees_conclusion_drafts:
        if access.can_see or (actor is not None and addresses_unit_of(actor, visit)):
            raise _no_document()
        raise _no_visit()
    if kind == Kind.CONCLUSION:
        if not access.can_draft_conclusion:
            raise NotAllowed(PERMISSION_MESSAGES[Capability.DRAFT_CONCLUSION])
        conclusion = conclusion or conclusion_for(actor=actor, visit=visit)
        return _drafted(conclusion_content(conclusion, draft=True), kind, label)
    if not access.can_manage_recommendations:
        raise NotAllowed(PERMISSION_MESSAGES[Capability.MANAGE_RECOMMENDATIONS])
    if not issued:
        raise _not_concluded()
    assert conclusion is not None
    content = followup_content(
        visit, conclusion, number=None, issued_on=None, issued_by=None, draft=True
    )
    return _drafted(content, kind, label)


def _not_concluded() -> Conflict:
    return Conflict(
        _("The visit's conclusion is not issued: a follow-up report has nothing to report on."),
        code="conclusion_not_issued",
    )


# --- a programme's ------------------------------------------------------------------------


def _programme_copy(programme: Programme) -> Document | None:
    return Document.objects.filter(
        programme_id=programme.pk, kind=Kind.PROGRAMME, format=Document.Format.DOCX
    ).first()


def _programme_draft(actor: Person | None, programme: Programme, read: Reader) -> DocumentFile:
    authorize_programme(actor, issuer=programme.issuer, manage=False)
    if (copy := _programme_copy(programme)) is not None:
        return read(actor, copy)
    host_units = [entry.host_unit for entry in programme.entries.select_related("host_unit")]
    authorize_programme(actor, issuer=programme.issuer, host_units=host_units)
    content = programme_content(programme, number=None, issued_on=None, issued_by=None, draft=True)
    return _drafted(content, Kind.PROGRAMME, programme.code)


def _answer(
    actor: Person | None,
    kind: str,
    visit: Visit | None,
    programme: Programme | None,
    read: Reader,
) -> DocumentFile:
    if programme is not None:
        _kind_of(kind, Document.PROGRAMME_KINDS)
        return _programme_draft(actor, programme, read)
    if visit is None:
        raise ValidationError({"visit": _("Name the visit or the programme.")})
    _kind_of(kind, Document.VISIT_KINDS)
    return _visit_draft(actor, visit, kind, read)


def document_draft(
    *,
    actor: Person | None,
    kind: str,
    visit: Visit | None = None,
    programme: Programme | None = None,
) -> DocumentFile:
    """A visit's or a programme's document of `kind`: a draft rendered now, or,
    once that kind is issued, the frozen copy's bytes (see the module)."""
    return _answer(actor, kind, visit, programme, _read)


def document_pdf_get(
    *,
    actor: Person | None,
    kind: str,
    visit: Visit | None = None,
    programme: Programme | None = None,
) -> DocumentFile:
    """The same document as document_draft, as PDF (by the documents worker, see
    checklists.services.document_pdf; Unavailable when LibreOffice cannot make it,
    while the .docx still works). Who may is the .docx's rule, unchanged. A draft's
    PDF is made on every request, as its .docx is rendered; an issued copy's PDF is
    made once from the frozen .docx and stored beside it (format pdf, the same
    number), then answered as it is, audited. Call it with no transaction open: the
    conversion takes seconds and must not hold locks."""
    answer = _answer(actor, kind, visit, programme, _read_pdf)
    if answer.document is not None:
        return answer
    stem = answer.filename.removesuffix(".docx")
    pdf = pdf_from_docx(answer.data, name=stem)
    return DocumentFile(f"{stem}.pdf", pdf, None, answer.warnings, PDF_TYPE)


# --- issuing ------------------------------------------------------------------------------


def _issue_programme(actor: Person | None, programme: Programme, issued_on: dt.date) -> Document:
    authorize_programme(actor, issuer=programme.issuer, manage=False)
    status = (
        Programme.objects.select_for_update().values_list("status", flat=True).get(pk=programme.pk)
    )
    if status == Programme.Status.DRAFT:
        raise Conflict(
            _("The programme is a draft: approve it before issuing its document."),
            code="programme_not_approved",
        )
    if _programme_copy(programme) is not None:
        raise Conflict(_("The programme's document is already issued."), code="already_issued")
    issuer = programme.issuer
    number = register_take_number(
        unit=issuer, type_code=Document.TYPE_CODES[Kind.PROGRAMME], year=issued_on.year
    )
    by = acting_user(actor)
    content = programme_content(
        programme, number=number, issued_on=issued_on, issued_by=by, draft=False
    )
    return document_store(
        kind=Kind.PROGRAMME,
        data=render_docx(content),
        issuer=issuer,
        number=number,
        issued_on=issued_on,
        register_year=issued_on.year,
        issued_by=by,
        programme=programme,
    )


def _issue_followup(actor: Person | None, visit: Visit, issued_on: dt.date) -> Document:
    access = FULL_ACCESS if actor is None else visit_access(actor, visit)
    if not access.sees_conclusion_drafts:
        raise _no_visit() if not access.can_see else _no_document()
    if not access.can_manage_recommendations:
        raise NotAllowed(PERMISSION_MESSAGES[Capability.MANAGE_RECOMMENDATIONS])
    # The visit's row lock: a withdrawal and this issue take turns.
    Visit.objects.select_for_update().values_list("pk", flat=True).get(pk=visit.pk)
    conclusion = current_conclusion(visit)
    if conclusion is None or conclusion.state != Conclusion.State.ISSUED:
        raise _not_concluded()
    if _followup_copy(conclusion) is not None:
        raise Conflict(
            _("The follow-up report on this conclusion is already issued."),
            code="already_issued",
        )
    issuer = visit_issuer(visit)
    number = register_take_number(
        unit=issuer, type_code=Document.TYPE_CODES[Kind.FOLLOWUP], year=issued_on.year
    )
    by = acting_user(actor)
    content = followup_content(
        visit, conclusion, number=number, issued_on=issued_on, issued_by=by, draft=False
    )
    return document_store(
        kind=Kind.FOLLOWUP,
        data=render_docx(content),
        issuer=issuer,
        number=number,
        issued_on=issued_on,
        register_year=issued_on.year,
        issued_by=by,
        visit=visit,
        conclusion=conclusion,
    )


def _notify_issued(document: Document, acted_by: User | None) -> None:
    kinds = dict(Kind.choices)

    def words() -> tuple[str, str]:
        names = {"kind": kinds[document.kind], "reference": document.reference}
        return (
            _("Document issued: %(kind)s %(reference)s") % names,
            _("%(kind)s No. %(reference)s was issued; its copy can be downloaded.") % names,
        )

    key = f"document-issued:{document.pk}"
    if document.visit is not None:
        visit = document.visit
        groups = [team_planners(visit), coordinators_in_scope(visit)]
        notify_event(
            kind=Notification.Kind.DOCUMENT_ISSUED,
            key=key,
            visit_id=visit.pk,
            url=visit_page(visit.pk),
            recipients=event_recipients(groups, acted_by),
            words=words,
        )
    elif document.programme is not None:
        notify_event(
            kind=Notification.Kind.DOCUMENT_ISSUED,
            key=key,
            visit_id=None,
            url=programme_page(document.programme.pk),
            recipients=event_recipients([coordinators_of(document.programme.issuer)], acted_by),
            words=words,
        )


def document_issue(
    *,
    actor: Person | None,
    kind: str,
    visit: Visit | None = None,
    programme: Programme | None = None,
    issued_on: dt.date | None = None,
) -> Document:
    """Issue a programme's document or a visit's follow-up report: the next number
    of the issuer's register for its type and the issue date's year, taken inside
    the transaction that stores the copy (so numbers stay gapless), the copy
    rendered with that number and frozen, the act audited, the people concerned
    told. A conclusion's copy is issued with the conclusion (conclusion_issue)."""
    issued_on = issued_on or timezone.localdate()
    if programme is not None:
        _kind_of(kind, Document.PROGRAMME_KINDS)
    elif visit is not None:
        _kind_of(kind, (Kind.FOLLOWUP,))
    else:
        raise ValidationError({"visit": _("Name the visit or the programme.")})
    document: Document | None = None
    try:
        with transaction.atomic():
            if programme is not None:
                document = _issue_programme(actor, programme, issued_on)
            else:
                assert visit is not None
                document = _issue_followup(actor, visit, issued_on)
            audit_record(
                actor=actor,
                action="issue",
                obj=document,
                visit_id=document.visit_id,
                changes={
                    "kind": document.kind,
                    "reference": document.reference,
                    "number": document.number,
                    "issued_on": issued_on.isoformat(),
                    "sha256": document.sha256,
                },
            )
            _notify_issued(document, acting_user(actor))
    except BaseException:
        if document is not None and document.file.name:
            # The row rolled back: its bytes go too.
            document.file.storage.delete(document.file.name)
        raise
    return document


# --- downloads ----------------------------------------------------------------------------


def document_authorize(*, actor: Person | None, document: Document) -> Document:
    """Refuse who may not see an issued copy (404: its existence must not leak)."""
    if actor is None:
        return document
    if document.programme is not None:
        try:
            authorize_programme(actor, issuer=document.programme.issuer, manage=False)
        except NotFound:
            raise _no_document() from None
        return document
    assert document.visit is not None
    if not sees_visit_document(actor, document.visit, document.kind):
        raise _no_document()
    return document


def document_file(*, actor: Person | None, document: Document) -> DocumentFile:
    """An issued copy's bytes, the same every time; the download is audited."""
    document_authorize(actor=actor, document=document)
    return _read(actor, document)


__all__ = [
    "DOCX_TYPE",
    "PDF_TYPE",
    "DocumentFile",
    "conclusion_copy",
    "document_authorize",
    "document_draft",
    "document_file",
    "document_issue",
    "document_pdf_get",
]
