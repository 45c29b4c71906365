"""The HTTP answers carrying files (a draft-report revision's, an evidence file, a
generated document or template), shared by the API and the web pages so both
hand files out the same way."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse

from checklists.models import EvidenceFile, ReportRevision
from checklists.policies import Person
from checklists.services.implementation_reports import evidence_file_download
from checklists.services.reports import report_revision_download


def revision_file_response(*, actor: Person | None, revision: ReportRevision) -> FileResponse:
    """The file as an attachment under its original name, for whoever sees the
    visit; the service checks, audits the download and refuses a missing file.

    Never rendered inline: a report is confidential and a browser should not run
    anything in it, hence nosniff, no caching and a sandboxing CSP.
    """
    handle = report_revision_download(actor=actor, revision=revision)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=revision.original_name,
        content_type=revision.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def evidence_file_response(*, actor: Person | None, evidence: EvidenceFile) -> FileResponse:
    """An implementation report's evidence file, handed out like a revision's:
    an attachment, never rendered inline; the service checks and audits."""
    handle = evidence_file_download(actor=actor, evidence=evidence)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def attachment_response(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """Bytes made or read in memory (a document, a template) as an attachment,
    with the same guards as the files above; the name is kept to ASCII letters,
    digits and -_. so no header can be bent by it."""
    response = HttpResponse(data, content_type=content_type)
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
