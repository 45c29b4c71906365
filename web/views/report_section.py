"""The draft report's section of the visit page: its revisions and the upload form.

Its own module because two views render it: the visit page (web.views.visit)
and the upload's answer (web.views.reports), which on a refusal without
JavaScript renders the whole visit page again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from checklists.models import Visit
from checklists.policies import VisitAccess
from checklists.selectors.reports import visit_report_revisions
from checklists.uploads import DOCX, ODT, PDF

# What the file picker offers; the server decides by content all the same.
UPLOAD_ACCEPT = ",".join([".docx", ".odt", ".pdf", DOCX, ODT, PDF])


def reports_context(
    request: HttpRequest,
    visit: Visit,
    access: VisitAccess,
    *,
    upload_error: str = "",
    upload_message: str = "",
) -> dict[str, Any]:
    return {
        "revisions": list(visit_report_revisions(visit.pk)),
        "upload_accept": UPLOAD_ACCEPT,
        "upload_max_mb": f"{settings.REPORT_MAX_BYTES / (1024 * 1024):.3g}",
        "upload_error": upload_error,
        "upload_message": upload_message,
    }
