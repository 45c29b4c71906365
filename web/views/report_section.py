"""The draft report's section of the visit page: its revisions and the upload form.

Its own module because two views render it: the visit page (web.views.visit)
and the upload's answer (web.views.reports), which on a refusal without
JavaScript renders the whole visit page again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from checklists.models import ReportRevision, Visit
from checklists.policies import VisitAccess
from checklists.selectors.reports import VISIT_REPORT_REVISIONS
from checklists.uploads import DOCX, ODT, PDF
from web.text import escape
from web.views.base import url_of_id

# What the file picker offers; the server decides by content all the same.
UPLOAD_ACCEPT = ",".join([".docx", ".odt", ".pdf", DOCX, ODT, PDF])


def revision_rows_html(visit_id: int, revisions: Sequence[ReportRevision]) -> SafeString:
    """The revisions' table rows, written here rather than by `{% for %}`: the
    template engine took 0.8 ms a row for its two addresses, two dates and four
    translated labels (make bench, visit page, issue 16). Every text from the
    database or a translation is escaped."""
    if not revisions:
        return mark_safe("")
    label = {
        name: escape(text)
        for name, text in (
            ("revision", _("Revision")),
            ("uploaded", _("Uploaded")),
            ("file", _("File")),
            ("size", _("Size")),
            ("text", _("Text")),
            ("review", _("Review")),
            ("open", _("Open comments")),
        )
    }
    text_states = {value: escape(text) for value, text in ReportRevision.TextStatus.choices}
    review_states = {value: escape(text) for value, text in ReportRevision.State.choices}
    page_url = url_of_id("web:revision", "revision_id", visit_id=visit_id)
    file_url = url_of_id("web:report_file", "revision_id", visit_id=visit_id)
    rows = []
    for revision in revisions:
        pk = int(revision.pk)
        uploaded = timezone.localtime(revision.uploaded_at)
        by = revision.uploaded_by
        uploader = f'<br><span class="muted">{escape(str(by))}</span>' if by else ""
        number = escape(_("Revision %(number)s") % {"number": revision.number})
        rows.append(
            f'<tr id="revision-{pk}">'
            f'<th scope="row" data-label="{label["revision"]}">'
            f'<a href="{escape(page_url(pk))}">{number}</a></th>'
            f'<td data-label="{label["uploaded"]}"><time datetime="'
            f'{escape(dateformat.format(uploaded, "c"))}">'
            f"{escape(formats.date_format(uploaded, 'SHORT_DATETIME_FORMAT'))}</time>{uploader}</td>"
            f'<td data-label="{label["file"]}" class="file-name"><a href="{escape(file_url(pk))}" '
            f"download>{escape(revision.original_name)}</a></td>"
            f'<td data-label="{label["size"]}">{escape(filesizeformat(revision.size))}</td>'
            f'<td data-label="{label["text"]}"><span class="badge badge-'
            f'{escape(revision.text_status)}">'
            f"{text_states.get(revision.text_status, escape(revision.text_status))}</span></td>"
            f'<td data-label="{label["review"]}"><span class="badge badge-{escape(revision.state)}">'
            f"{review_states.get(revision.state, escape(revision.state))}</span></td>"
            f'<td data-label="{label["open"]}" id="revision-{pk}-open-comments">'
            # Annotated by checklists.selectors.reports.with_open_comment_count.
            f"{int(revision.open_comment_count)}</td></tr>\n"  # type: ignore[attr-defined]
        )
    return mark_safe("".join(rows))  # every part escaped above


def reports_context(
    request: HttpRequest,
    visit: Visit,
    access: VisitAccess,
    *,
    upload_error: str = "",
    upload_message: str = "",
) -> dict[str, Any]:
    revisions = list(VISIT_REPORT_REVISIONS.rows(visit.pk))
    return {
        "revisions": revisions,
        "revision_rows": revision_rows_html(visit.pk, revisions),
        "upload_accept": UPLOAD_ACCEPT,
        "upload_max_mb": f"{settings.REPORT_MAX_BYTES / (1024 * 1024):.3g}",
        "upload_error": upload_error,
        "upload_message": upload_message,
    }
