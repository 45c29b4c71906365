"""Draft-report revisions on the web: the upload on the visit page (its section is
web.views.report_section), the file download, and a revision's own page with its
review, comments, comparison with another revision (web.views.comparison) and
coverage.

The same services as the API (checklists.services.reports) do every change and
every check, who may do what and uploads included; these views show a refusal
beside its form (web.views.refusals: 422 beside the field, 409 for a duplicate or
a change that is no longer possible, 413 for a file too big) and let the others
(404, 403) reach web.errors.DomainErrorMiddleware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from checklists.downloads import revision_file_response
from checklists.errors import refusal_messages
from checklists.models import ReportRevision, ReviewComment, Visit
from checklists.policies import VisitAccess
from checklists.selectors.reports import (
    VISIT_REPORT_REVISIONS,
    outline_sections_of,
    revision_comment_counts,
    revision_comments,
)
from checklists.services.reports import (
    CommentInput,
    TextNotReady,
    report_comment_add,
    report_comment_answer,
    report_comment_set_state,
    report_revision_coverage,
    report_revision_review,
    report_revision_upload,
)
from web.forms import (
    CommentAnswerForm,
    CommentForm,
    CommentStateForm,
    ReportUploadForm,
    ReviewForm,
)
from web.views.base import is_htmx, visible_visit
from web.views.comparison import comparison_context
from web.views.refusals import FORM_REFUSALS, refusal_status, show_refusal
from web.views.report_section import reports_context
from web.views.visit import visit_page_context

# --- the upload and the download -------------------------------------------------------------


def _reports_answer(
    request: HttpRequest, visit: Visit, access: VisitAccess, *, status: int, **extra: Any
) -> HttpResponse:
    context = {"visit": visit, "access": access, **reports_context(request, visit, access, **extra)}
    return render(request, "web/visit/_reports.html", context, status=status)


@login_required
@require_POST
def report_upload(request: HttpRequest, visit_id: int) -> HttpResponse:
    """A new revision; refused files leave nothing behind (the service sees to it)."""
    visit, access = visible_visit(request, visit_id)
    form = ReportUploadForm(request.POST, request.FILES)
    error, status = "", 422
    if not form.is_valid():
        error = " ".join(str(e) for e in form.errors.get("file", [])) or _(
            "Choose the report file to upload."
        )
    else:
        upload = form.cleaned_data["file"]
        try:
            revision = report_revision_upload(
                actor=request.user, visit=visit, content=upload, filename=upload.name or ""
            )
        except FORM_REFUSALS as refusal:
            error, status = " ".join(refusal_messages(refusal)), refusal_status(refusal)
        else:
            message = _("Revision %(number)d (%(name)s) is uploaded.") % {
                "number": revision.number,
                "name": revision.original_name,
            }
            if not is_htmx(request):
                messages.success(request, message)
                return redirect(f"{reverse('web:visit', kwargs={'visit_id': visit.pk})}#reports")
            return _reports_answer(request, visit, access, status=201, upload_message=message)
    if is_htmx(request):
        return _reports_answer(request, visit, access, status=status, upload_error=error)
    context = visit_page_context(request, visit, access, upload_error=error)
    return render(request, "web/visit/page.html", context, status=status)


def _visit_revision(
    request: HttpRequest, visit_id: int, revision_id: int
) -> tuple[Visit, VisitAccess, ReportRevision]:
    """The revision of a visit the person sees (404 otherwise), pointing at that
    visit as loaded (the services' checks then ask nothing more)."""
    visit, access = visible_visit(request, visit_id)
    revision = get_object_or_404(
        ReportRevision.objects.select_related("uploaded_by"), pk=revision_id, visit_id=visit.pk
    )
    revision.visit = visit
    return visit, access, revision


@login_required
@require_GET
def report_file(request: HttpRequest, visit_id: int, revision_id: int) -> FileResponse:
    """The revision's file as an attachment under its original name; audited."""
    _visit, _access, revision = _visit_revision(request, visit_id, revision_id)
    return revision_file_response(actor=request.user, revision=revision)


# --- a revision's page ---------------------------------------------------------------------


@dataclass(frozen=True)
class CommentRow:
    """A comment as the page lists it, with what its forms say after a refusal
    (`response`/`state` messages, the `response_value` typed)."""

    comment: ReviewComment
    form_state: dict[str, Any] = field(default_factory=dict)


def _coverage_context(request: HttpRequest, revision: ReportRevision) -> dict[str, Any]:
    try:
        sections = report_revision_coverage(actor=request.user, revision=revision)
    except TextNotReady as waiting:
        return {"coverage_waiting": waiting.message}
    return {
        "coverage": sections,
        "coverage_covered": sum(1 for s in sections if s.covered),
        "coverage_total": len(sections),
    }


def _against(
    request: HttpRequest, revision: ReportRevision, revisions: list[ReportRevision]
) -> ReportRevision | None:
    """The revision to compare with: ?against=<id> of the same visit, else the previous one."""
    others = [r for r in revisions if r.pk != revision.pk]
    wanted = request.GET.get("against", "")
    if wanted.isdigit():
        chosen = next((r for r in others if r.pk == int(wanted)), None)
        if chosen is None:
            raise Http404(_("This visit has no such revision."))
        return chosen
    earlier = [r for r in others if r.number < revision.number]
    return max(earlier, key=lambda r: r.number) if earlier else None


def revision_page_context(
    request: HttpRequest,
    visit: Visit,
    access: VisitAccess,
    revision: ReportRevision,
    *,
    review_form: ReviewForm | None = None,
    comment_form: CommentForm | None = None,
    comment_errors: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    revisions = list(VISIT_REPORT_REVISIONS.rows(visit.pk))
    comments = list(revision_comments(revision))
    is_current = revision.state != ReportRevision.State.SUPERSEDED
    return {
        "title": _("Revision %(number)d") % {"number": revision.number},
        "revisions": revisions,
        "latest": revisions[0] if revisions else revision,
        "reviews": list(revision.reviews.select_related("reviewer").order_by("created_at", "id")),
        "comments": [
            CommentRow(comment, (comment_errors or {}).get(comment.pk, {})) for comment in comments
        ],
        "comment_form_shown": is_current and access.can_review,
        **comment_form_context(
            visit, access, revision, review_form=review_form, comment_form=comment_form
        ),
        **comparison_context(request, revision, _against(request, revision, revisions)),
        **_coverage_context(request, revision),
    }


@login_required
@require_GET
def revision_page(request: HttpRequest, visit_id: int, revision_id: int) -> HttpResponse:
    visit, access, revision = _visit_revision(request, visit_id, revision_id)
    context = revision_page_context(request, visit, access, revision)
    return render(request, "web/visit/revision.html", context)


def _revision_url(visit: Visit, revision: ReportRevision, anchor: str = "") -> str:
    url = reverse("web:revision", kwargs={"visit_id": visit.pk, "revision_id": revision.pk})
    return f"{url}#{anchor}" if anchor else url


def _page_with_errors(
    request: HttpRequest,
    visit: Visit,
    access: VisitAccess,
    revision: ReportRevision,
    *,
    status: int,
    **forms: Any,
) -> HttpResponse:
    context = revision_page_context(request, visit, access, revision, **forms)
    return render(request, "web/visit/revision.html", context, status=status)


# --- the comment form, the review and each comment -----------------------------------------
#
# One form writes comments (web/visit/_comment_form.html): "Add comment" posts it to
# revision_comment_add, the decision buttons post the same form to revision_review.
# Each htmx answer that changes the comments also sends the counters out of band
# (web/visit/_comment_counts.html), read again from the database.


def comment_form_context(
    visit: Visit,
    access: VisitAccess,
    revision: ReportRevision,
    *,
    review_form: ReviewForm | None = None,
    comment_form: CommentForm | ReviewForm | None = None,
    message: str = "",
) -> dict[str, Any]:
    """What the comment form and the counters show. A refused review's form is also
    the comment form, so that what was typed stays where it was typed."""
    sections = outline_sections_of(visit) if review_form is None or comment_form is None else []
    is_current = revision.state != ReportRevision.State.SUPERSEDED
    return {
        "visit": visit,
        "access": access,
        "revision": revision,
        "is_current": is_current,
        "can_review_now": access.can_review
        and is_current
        and revision.state != ReportRevision.State.ACCEPTED,
        "review_form": review_form or ReviewForm(sections=sections),
        "comment_form": comment_form or review_form or CommentForm(sections=sections),
        "comment_message": message,
        "comment_counts": revision_comment_counts(revision),
    }


def _comment_form_answer(
    request: HttpRequest,
    visit: Visit,
    access: VisitAccess,
    revision: ReportRevision,
    *,
    status: int,
    **forms: Any,
) -> HttpResponse:
    """A refused comment or review: the page again without JavaScript, the form
    alone (its errors beside its fields) for htmx."""
    if not is_htmx(request):
        return _page_with_errors(request, visit, access, revision, status=status, **forms)
    context = comment_form_context(visit, access, revision, **forms)
    return render(request, "web/visit/_comment_form.html", context, status=status)


@login_required
@require_POST
def revision_review(request: HttpRequest, visit_id: int, revision_id: int) -> HttpResponse:
    """The team's decision, with the comment form's comment if one was written."""
    visit, access, revision = _visit_revision(request, visit_id, revision_id)
    form = ReviewForm(request.POST, sections=outline_sections_of(visit))
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        comments = (
            [CommentInput(text=data["text"], section=data["section"])] if data["text"] else []
        )
        try:
            review = report_revision_review(
                actor=request.user, revision=revision, decision=data["decision"], comments=comments
            )
        except FORM_REFUSALS as refusal:
            status = show_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("Your review of revision %(number)d is recorded: %(decision)s.")
                % {"number": revision.number, "decision": review.get_decision_display()},
            )
            url = _revision_url(visit, revision, "comments")
            if is_htmx(request):
                # A decision changes the whole page (its state, its forms): load it
                # again. HX-Refresh too: going to the same page with only another
                # #fragment would merely scroll.
                return HttpResponse(status=204, headers={"HX-Redirect": url, "HX-Refresh": "true"})
            return redirect(url)
    return _comment_form_answer(request, visit, access, revision, status=status, review_form=form)


@login_required
@require_POST
def revision_comment_add(request: HttpRequest, visit_id: int, revision_id: int) -> HttpResponse:
    visit, access, revision = _visit_revision(request, visit_id, revision_id)
    form = CommentForm(request.POST, sections=outline_sections_of(visit))
    status = 422
    if form.is_valid():
        try:
            report_comment_add(
                actor=request.user,
                revision=revision,
                text=form.cleaned_data["text"],
                section=form.cleaned_data["section"],
            )
        except FORM_REFUSALS as refusal:
            status = show_refusal(form, refusal)
        else:
            message = _("Your comment is added.")
            if not is_htmx(request):
                messages.success(request, message)
                return redirect(_revision_url(visit, revision, "comments"))
            # An empty form with the message, the list with the new comment and the
            # counters (both out of band).
            context = {
                **comment_form_context(visit, access, revision, message=message),
                "comments": [CommentRow(c) for c in revision_comments(revision)],
            }
            return render(request, "web/visit/_comment_added.html", context)
    return _comment_form_answer(request, visit, access, revision, status=status, comment_form=form)


def _revision_comment(
    request: HttpRequest, visit_id: int, revision_id: int, comment_id: int
) -> tuple[Visit, VisitAccess, ReportRevision, ReviewComment]:
    visit, access, revision = _visit_revision(request, visit_id, revision_id)
    comment = get_object_or_404(revision_comments(revision), pk=comment_id)
    return visit, access, revision, comment


def _comment_answer(
    request: HttpRequest,
    visit: Visit,
    access: VisitAccess,
    revision: ReportRevision,
    comment: ReviewComment,
    *,
    status: int = 200,
    errors: dict[str, Any] | None = None,
    message: str = "",
) -> HttpResponse:
    if is_htmx(request):
        context = {
            "visit": visit,
            "access": access,
            "revision": revision,
            "is_current": revision.state != ReportRevision.State.SUPERSEDED,
            "comment": comment,
            "form_state": errors or {},
            "comment_message": message,
            "comment_counts": revision_comment_counts(revision),
        }
        return render(request, "web/visit/_comment_update.html", context, status=status)
    if status == 200:
        if message:
            messages.success(request, message)
        return redirect(_revision_url(visit, revision, f"comment-{comment.pk}"))
    return _page_with_errors(
        request,
        visit,
        access,
        revision,
        status=status,
        comment_errors={comment.pk: errors or {}},
    )


@login_required
@require_POST
def comment_answer(
    request: HttpRequest, visit_id: int, revision_id: int, comment_id: int
) -> HttpResponse:
    """The host's explanation (giải trình) of one comment."""
    visit, access, revision, comment = _revision_comment(request, visit_id, revision_id, comment_id)
    form = CommentAnswerForm(request.POST)
    if not form.is_valid():
        errors = {
            "response": form.errors["response"],
            "response_value": request.POST.get("response", ""),
        }
        return _comment_answer(request, visit, access, revision, comment, status=422, errors=errors)
    try:
        report_comment_answer(
            actor=request.user, comment=comment, response=form.cleaned_data["response"]
        )
    except FORM_REFUSALS as refusal:
        status = refusal_status(refusal)
        errors = {
            "response": refusal_messages(refusal),
            "response_value": form.cleaned_data["response"],
        }
        return _comment_answer(
            request, visit, access, revision, comment, status=status, errors=errors
        )
    comment = revision_comments(revision).get(pk=comment.pk)
    return _comment_answer(
        request, visit, access, revision, comment, message=_("Your explanation is saved.")
    )


@login_required
@require_POST
def comment_state(
    request: HttpRequest, visit_id: int, revision_id: int, comment_id: int
) -> HttpResponse:
    """The team marks a comment resolved or not accepted."""
    visit, access, revision, comment = _revision_comment(request, visit_id, revision_id, comment_id)
    form = CommentStateForm(request.POST)
    if not form.is_valid():
        errors: dict[str, Any] = {"state": form.errors["state"]}
        return _comment_answer(request, visit, access, revision, comment, status=422, errors=errors)
    try:
        report_comment_set_state(
            actor=request.user, comment=comment, state=form.cleaned_data["state"]
        )
    except FORM_REFUSALS as refusal:
        status = refusal_status(refusal)
        errors = {"state": refusal_messages(refusal)}
        return _comment_answer(
            request, visit, access, revision, comment, status=status, errors=errors
        )
    comment = revision_comments(revision).get(pk=comment.pk)
    return _comment_answer(
        request,
        visit,
        access,
        revision,
        comment,
        message=_("The comment is marked %(state)s.")
        % {"state": comment.get_state_display().lower()},
    )
