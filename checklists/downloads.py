"""The HTTP answer carrying a draft-report revision's file, shared by the API and
the web pages so both hand files out the same way."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from checklists.models import ReportRevision, User
from checklists.services.reports import report_revision_download


def revision_file_response(*, actor: User, revision: ReportRevision) -> FileResponse:
    """The file as an attachment under its original name; the download is audited.

    Never rendered inline: a report is confidential and a browser should not run
    anything in it, hence nosniff, no caching and a sandboxing CSP.
    """
    try:
        handle = report_revision_download(actor=actor, revision=revision)
    except FileNotFoundError:
        raise Http404(
            _("The file of revision %(number)d is missing from storage; tell a coordinator.")
            % {"number": revision.number}
        ) from None
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
