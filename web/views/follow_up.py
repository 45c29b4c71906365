"""A recommendation's page (SPEC §9, §11): its text, state and deadline, its
implementation reports with their evidence files, the report form for those who
report on it and the verdict form for those who judge.

The same services as the API (checklists.services.implementation_reports) make
every change and every check; a refusal is shown beside its form (422 invalid,
409 a state that forbids it, 413 too large), and the others (404, 403) reach
web.errors.DomainErrorMiddleware. Whoever does not see the recommendation gets
404 (checklists.selectors.conclusions.recommendations_visible_to).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from checklists.downloads import evidence_file_response
from checklists.errors import TooLarge
from checklists.models import EvidenceFile, ImplementationReport, Recommendation
from checklists.selectors.conclusions import recommendation_access, recommendations_visible_to
from checklists.selectors.implementation_reports import may_report, recommendation_reports
from checklists.services.implementation_reports import (
    EvidenceUpload,
    implementation_report_submit,
    implementation_report_verdict,
)
from web.forms_recommendations import ImplementationReportForm, VerdictForm
from web.views.base import is_htmx
from web.views.refusals import FORM_REFUSALS, show_refusal

Verdict = ImplementationReport.Verdict


def _visible(request: HttpRequest, recommendation_id: int) -> Recommendation:
    return get_object_or_404(recommendations_visible_to(request.user), pk=recommendation_id)


def follow_up_context(
    request: HttpRequest,
    recommendation: Recommendation,
    *,
    report_form: ImplementationReportForm | None = None,
    verdict_form: VerdictForm | None = None,
    message: str = "",
) -> dict[str, Any]:
    access = recommendation_access(request.user, recommendation)
    reports = list(recommendation_reports(recommendation))
    pending = next((r for r in reports if r.verdict == Verdict.PENDING), None)
    state = recommendation.state
    return {
        "recommendation": recommendation,
        "visit": recommendation.visit,
        "access": access,
        "reports": reports,
        "pending": pending,
        "overdue": recommendation.overdue_on(timezone.localdate()),
        "can_report": state == Recommendation.State.OPEN
        and may_report(request.user, recommendation),
        "can_judge": pending is not None
        and state == Recommendation.State.REPORTED
        and access.can_give_verdict,
        "report_form": report_form or ImplementationReportForm(),
        "verdict_form": verdict_form or VerdictForm(),
        "follow_up_message": message,
    }


def _answer(
    request: HttpRequest, recommendation: Recommendation, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The follow-up section alone to htmx, else the whole page."""
    context = follow_up_context(request, recommendation, **extra)
    if is_htmx(request):
        return render(request, "web/recommendations/_follow_up.html", context, status=status)
    context["title"] = f"{recommendation.code} · {recommendation.visit}"
    return render(request, "web/recommendations/page.html", context, status=status)


def _after_success(
    request: HttpRequest, recommendation: Recommendation, message: str
) -> HttpResponse:
    if is_htmx(request):
        fresh = _visible(request, recommendation.pk)
        return _answer(request, fresh, status=201, message=message)
    messages.success(request, message)
    return redirect(
        reverse("web:recommendation", kwargs={"recommendation_id": recommendation.pk})
        + "#follow-up"
    )


@login_required
@require_GET
def recommendation_page(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    return _answer(request, _visible(request, recommendation_id))


@login_required
@require_POST
def report_submit(request: HttpRequest, recommendation_id: int) -> HttpResponse:
    """An implementation report with its evidence files; a refused request leaves
    nothing behind (the service sees to it)."""
    recommendation = _visible(request, recommendation_id)
    form = ImplementationReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _answer(request, recommendation, status=422, report_form=form)
    uploads = [
        EvidenceUpload(content=upload, filename=upload.name or "")
        for upload in form.cleaned_data["files"]
    ]
    try:
        implementation_report_submit(
            actor=request.user,
            recommendation=recommendation,
            text=form.cleaned_data["text"],
            progress=form.cleaned_data["progress"],
            files=uploads,
        )
    except TooLarge as refusal:
        form.add_error("files", refusal.message)
        return _answer(request, recommendation, status=refusal.status, report_form=form)
    except FORM_REFUSALS as refusal:
        status = show_refusal(form, refusal)
        return _answer(request, recommendation, status=status, report_form=form)
    return _after_success(request, recommendation, _("Your report is sent to the team."))


def _report_of(recommendation: Recommendation, report_id: int) -> ImplementationReport:
    report = get_object_or_404(
        ImplementationReport.objects.all(), pk=report_id, recommendation_id=recommendation.pk
    )
    report.recommendation = recommendation
    return report


@login_required
@require_POST
def report_verdict(request: HttpRequest, recommendation_id: int, report_id: int) -> HttpResponse:
    recommendation = _visible(request, recommendation_id)
    report = _report_of(recommendation, report_id)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        return _answer(request, recommendation, status=422, verdict_form=form)
    try:
        implementation_report_verdict(
            actor=request.user,
            report=report,
            verdict=form.cleaned_data["verdict"],
            verdict_note=form.cleaned_data["verdict_note"],
        )
    except FORM_REFUSALS as refusal:
        status = show_refusal(form, refusal)
        return _answer(request, recommendation, status=status, verdict_form=form)
    message = (
        _("The report is accepted; the recommendation is done.")
        if form.cleaned_data["verdict"] == Verdict.ACCEPTED
        else _("The report is returned to the unit with your note.")
    )
    return _after_success(request, recommendation, message)


@login_required
@require_GET
def evidence_file(
    request: HttpRequest, recommendation_id: int, report_id: int, file_id: int
) -> FileResponse:
    """An evidence file as an attachment under its original name; audited."""
    recommendation = _visible(request, recommendation_id)
    report = _report_of(recommendation, report_id)
    evidence = EvidenceFile.objects.filter(pk=file_id, report_id=report.pk).first()
    if evidence is None:
        raise Http404
    evidence.report = report
    return evidence_file_response(actor=request.user, evidence=evidence)
