"""A visit's conclusion page (/visits/<id>/conclusion/): the draft's editor for
those who may edit it, the issued conclusion with its recommendations for those
who may see it, and the forms that issue or withdraw it and extend or cancel a
recommendation.

Every action is one service call (checklists.services.conclusions,
checklists.services.recommendations), which decides who may do it: a host
contact asking for a draft, or a stranger, gets the 404 page from
web.errors.DomainErrorMiddleware. Invalid input and conflicts are shown beside
the form that caused them (web.views.refusals); a stale save shows the current
values with a message (409).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from checklists.classification import marked
from checklists.errors import StaleObjectError
from checklists.models import (
    Conclusion,
    Recommendation,
    TeamMembership,
    User,
    Visit,
)
from checklists.policies import VisitAccess, visit_access
from checklists.selectors.conclusions import (
    conclusion_findings,
    conclusion_recommendations_for,
    conclusion_visits_visible_to,
    current_conclusion,
    earlier_open_recommendations,
    recommendations_visible_to,
)
from checklists.services.conclusions import (
    conclusion_for,
    conclusion_issue,
    conclusion_update,
    conclusion_withdraw,
)
from checklists.services.recommendations import recommendation_cancel, recommendation_extend
from checklists.wording import localised
from web.forms_conclusions import (
    ConclusionIssueForm,
    ConclusionWithdrawForm,
    RecommendationCancelForm,
    RecommendationExtendForm,
)
from web.views.base import signed_in
from web.views.conclusion_editor import (
    Editor,
    draft_parts,
    editor_from_db,
    editor_reshaped,
    save_draft,
)
from web.views.recommendations import RecommendationRow, recommendation_row
from web.views.refusals import FORM_REFUSALS, show_refusal


def conclusion_url(visit: Visit | int, anchor: str = "") -> str:
    visit_id = visit if isinstance(visit, int) else visit.pk
    url = reverse("web:conclusion", kwargs={"visit_id": visit_id})
    return f"{url}#{anchor}" if anchor else url


def conclusion_number(conclusion: Conclusion) -> str:
    """The number as the register gave it, with the issuer's symbol when it has
    one ("12-KL/TU")."""
    if conclusion.number is None:
        return ""
    number = f"{conclusion.number}-{Conclusion.REGISTER_TYPE}"
    symbol = conclusion.issuer.document_symbol if conclusion.issuer is not None else ""
    return f"{number}/{symbol}" if symbol else number


def _conclusion_visit(request: HttpRequest, visit_id: int) -> tuple[Visit, VisitAccess]:
    """The visit whose conclusion the person may look up (its team, coordinators,
    host contacts, and the contacts of a unit an issued recommendation is
    addressed to); 404 for anyone else."""
    visit = get_object_or_404(
        conclusion_visits_visible_to(request.user).select_related("outline"), pk=visit_id
    )
    return visit, visit_access(request.user, visit)


# --- the visit page's block ----------------------------------------------------------------

# The earlier visits' open recommendations the visit page lists; the rest are a
# link away (the recommendations list, filtered to the unit).
EARLIER_SHOWN = 20


@dataclass(frozen=True)
class ConclusionBlock:
    conclusion: Conclusion | None
    number: str
    may_draft: bool
    earlier: list[RecommendationRow]
    more: bool


def conclusion_block(user: User, visit: Visit, access: VisitAccess) -> ConclusionBlock:
    """The visit page's "Conclusion": its state and number (a draft only for
    those who may see drafts), and what earlier visits to the unit left open.
    Two queries (three once issued: the issuer's symbol), whatever the sizes."""
    conclusion = current_conclusion(visit)
    if (
        conclusion is not None
        and conclusion.state == Conclusion.State.DRAFT
        and not access.sees_conclusion_drafts
    ):
        conclusion = None
    today = timezone.localdate()
    earlier = list(earlier_open_recommendations(user, visit)[: EARLIER_SHOWN + 1])
    return ConclusionBlock(
        conclusion=conclusion,
        number=conclusion_number(conclusion) if conclusion is not None else "",
        may_draft=access.can_draft_conclusion and visit.status == Visit.Status.REPORTING,
        earlier=[recommendation_row(r, today) for r in earlier[:EARLIER_SHOWN]],
        more=len(earlier) > EARLIER_SHOWN,
    )


# --- the page ----------------------------------------------------------------------------


@dataclass
class ActionForms:
    """The forms of the page's other actions, bound when one was refused."""

    issue: ConclusionIssueForm | None = None
    withdraw: ConclusionWithdrawForm | None = None
    # Per recommendation id, a refused extension or cancellation.
    extend: dict[int, RecommendationExtendForm] = field(default_factory=dict)
    cancel: dict[int, RecommendationCancelForm] = field(default_factory=dict)


def _signers(visit: Visit, actor: User) -> QuerySet[User]:
    """Who may be named as signer: the team's lead and deputy, or the person issuing."""
    leads = TeamMembership.objects.filter(
        visit_id=visit.pk, role__in=[TeamMembership.Role.LEAD, TeamMembership.Role.DEPUTY]
    ).values("user_id")
    return User.objects.filter(Q(pk__in=leads) | Q(pk=actor.pk), is_active=True).order_by(
        "full_name", "username"
    )


def _rows(
    user: User, conclusion: Conclusion, access: VisitAccess, actions: ActionForms
) -> list[RecommendationRow]:
    today = timezone.localdate()
    rows = conclusion_recommendations_for(user, conclusion, access)
    may_manage = access.can_manage_recommendations and conclusion.state == Conclusion.State.ISSUED
    return [
        recommendation_row(
            row,
            today,
            may_manage=may_manage,
            extend_form=actions.extend.get(row.pk),
            cancel_form=actions.cancel.get(row.pk),
        )
        for row in rows
    ]


def _page(
    request: HttpRequest,
    visit: Visit,
    access: VisitAccess,
    conclusion: Conclusion,
    *,
    editor: Editor | None = None,
    actions: ActionForms | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in(request)
    actions = actions or ActionForms()
    is_draft = conclusion.state == Conclusion.State.DRAFT
    if editor is None and is_draft and access.can_draft_conclusion:
        editor = editor_from_db(draft_parts(visit, conclusion))
    if editor is not None:
        editor.findings = conclusion_findings(visit)
    can_issue = is_draft and access.can_issue_conclusion
    can_withdraw = conclusion.state == Conclusion.State.ISSUED and access.can_withdraw_conclusion
    context = {
        "title": marked(visit.classification, _("Conclusion: %(visit)s") % {"visit": visit.title}),
        "visit": visit,
        "access": access,
        "conclusion": conclusion,
        "number": conclusion_number(conclusion),
        "is_draft": is_draft,
        "editor": editor,
        "sections": None if editor else list(conclusion.sections.order_by("position", "id")),
        "rows": None if editor else _rows(user, conclusion, access, actions),
        "outline_title": localised(visit.outline.title, visit.outline.title_en),
        "visit_reporting": visit.status == Visit.Status.REPORTING,
        "issue_form": (
            actions.issue
            or ConclusionIssueForm(
                signers=_signers(visit, user),
                initial={
                    "row_version": conclusion.row_version,
                    "signer": user.pk,
                    "issued_on": timezone.localdate(),
                },
            )
        )
        if can_issue
        else None,
        "withdraw_form": (actions.withdraw or ConclusionWithdrawForm()) if can_withdraw else None,
        "withdrawn": list(
            Conclusion.objects.filter(visit_id=visit.pk, state=Conclusion.State.WITHDRAWN)
            .select_related("issuer", "withdrawn_by")
            .order_by("-withdrawn_at")
        )
        if access.sees_conclusion_drafts
        else [],
    }
    return render(request, "web/conclusion/page.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def conclusion_page(request: HttpRequest, visit_id: int) -> HttpResponse:
    """GET: the conclusion as the person may see it (the draft is made, prefilled
    from the checklist, the first time an editor opens it). POST: the editor's
    buttons: save, add a row, remove a row."""
    visit, access = _conclusion_visit(request, visit_id)
    conclusion = conclusion_for(actor=signed_in(request), visit=visit)
    if request.method == "GET":
        return _page(request, visit, access, conclusion)
    if conclusion.state != Conclusion.State.DRAFT or not access.can_draft_conclusion:
        # The service refuses it with the right status (403, 404 or 409).
        conclusion_update(actor=signed_in(request), visit=visit)
        return redirect(conclusion_url(visit))
    parts = draft_parts(visit, conclusion)
    action = request.POST.get("action", "save")
    if action == "add" or action.startswith("remove-"):
        remove = action.removeprefix("remove-")
        reshaped = editor_reshaped(
            parts,
            request.POST,
            add=action == "add",
            remove=int(remove) if remove.isdigit() else None,
        )
        return _page(request, visit, access, conclusion, editor=reshaped)
    editor, status = save_draft(request, visit, parts)
    if editor is None:
        messages.success(request, _("The conclusion is saved."))
        return redirect(conclusion_url(visit))
    current = conclusion_for(actor=signed_in(request), visit=visit)
    return _page(request, visit, access, current, editor=editor, status=status)


@login_required
@require_POST
def conclusion_issue_view(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit, access = _conclusion_visit(request, visit_id)
    user = signed_in(request)
    conclusion = conclusion_for(actor=user, visit=visit)
    if not access.can_issue_conclusion:
        conclusion_issue(actor=user, visit=visit)  # raises: who may not issue hears so
        return redirect(conclusion_url(visit))
    form = ConclusionIssueForm(request.POST, signers=_signers(visit, user))
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            issued = conclusion_issue(
                actor=user,
                visit=visit,
                signer=data["signer"],
                issued_on=data["issued_on"],
                expected_version=data["row_version"],
            )
        except StaleObjectError as stale:
            # Changed since the page was loaded: issue what is there now only
            # once the person has seen it.
            conclusion = conclusion_for(actor=user, visit=visit)
            form = _issue_form_again(request, visit, conclusion, str(stale))
            status = 409
        except FORM_REFUSALS as refusal:
            status = show_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("Conclusion No. %(number)s is issued.") % {"number": conclusion_number(issued)},
            )
            return redirect(conclusion_url(visit))
    return _page(request, visit, access, conclusion, actions=ActionForms(issue=form), status=status)


def _issue_form_again(
    request: HttpRequest, visit: Visit, conclusion: Conclusion, message: str
) -> ConclusionIssueForm:
    """The refused form with the conclusion's current version and the message."""
    data = request.POST.copy()
    data["row_version"] = str(conclusion.row_version)
    again = ConclusionIssueForm(data, signers=_signers(visit, signed_in(request)))
    again.is_valid()
    again.add_error(None, message)
    return again


@login_required
@require_POST
def conclusion_withdraw_view(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The service checks who may withdraw and the reason (given, not too long)."""
    visit, access = _conclusion_visit(request, visit_id)
    user = signed_in(request)
    form = ConclusionWithdrawForm(request.POST)
    form.is_valid()
    try:
        conclusion_withdraw(actor=user, visit=visit, reason=request.POST.get("reason", ""))
    except FORM_REFUSALS as refusal:
        form = ConclusionWithdrawForm(request.POST)
        status = show_refusal(form, refusal)
    else:
        messages.success(
            request,
            _("The conclusion is withdrawn; its draft copy can be edited and issued again."),
        )
        return redirect(conclusion_url(visit))
    conclusion = conclusion_for(actor=user, visit=visit)
    return _page(
        request, visit, access, conclusion, actions=ActionForms(withdraw=form), status=status
    )


def _visit_recommendation(
    request: HttpRequest, visit_id: int, recommendation_id: int
) -> tuple[Visit, VisitAccess, Recommendation]:
    visit, access = _conclusion_visit(request, visit_id)
    recommendation = get_object_or_404(
        recommendations_visible_to(request.user).filter(visit_id=visit.pk), pk=recommendation_id
    )
    return visit, access, recommendation


@login_required
@require_POST
def recommendation_extend_view(
    request: HttpRequest, visit_id: int, recommendation_id: int
) -> HttpResponse:
    """A new due date with the decision granting it; the service checks both (and
    who may), so a date the form could not read is sent as none."""
    visit, access, recommendation = _visit_recommendation(request, visit_id, recommendation_id)
    user = signed_in(request)
    prefix = f"extend-{recommendation.pk}"
    form = RecommendationExtendForm(request.POST, prefix=prefix)
    form.is_valid()
    try:
        recommendation_extend(
            actor=user,
            recommendation=recommendation,
            due_date=form.cleaned_data.get("due_date"),  # type: ignore[arg-type]
            extended_by=request.POST.get(f"{prefix}-extended_by", ""),
        )
    except FORM_REFUSALS as refusal:
        status = _show_unless_shown(form, refusal)
    else:
        messages.success(request, _("%(code)s is extended.") % {"code": recommendation.code})
        return redirect(conclusion_url(visit, f"rec-{recommendation.pk}"))
    conclusion = conclusion_for(actor=user, visit=visit)
    actions = ActionForms(extend={recommendation.pk: form})
    return _page(request, visit, access, conclusion, actions=actions, status=status)


@login_required
@require_POST
def recommendation_cancel_view(
    request: HttpRequest, visit_id: int, recommendation_id: int
) -> HttpResponse:
    visit, access, recommendation = _visit_recommendation(request, visit_id, recommendation_id)
    user = signed_in(request)
    prefix = f"cancel-{recommendation.pk}"
    form = RecommendationCancelForm(request.POST, prefix=prefix)
    form.is_valid()
    try:
        recommendation_cancel(
            actor=user,
            recommendation=recommendation,
            cancel_reason=request.POST.get(f"{prefix}-cancel_reason", ""),
        )
    except FORM_REFUSALS as refusal:
        status = _show_unless_shown(form, refusal)
    else:
        messages.success(request, _("%(code)s is cancelled.") % {"code": recommendation.code})
        return redirect(conclusion_url(visit, f"rec-{recommendation.pk}"))
    conclusion = conclusion_for(actor=user, visit=visit)
    actions = ActionForms(cancel={recommendation.pk: form})
    return _page(request, visit, access, conclusion, actions=actions, status=status)


def _show_unless_shown(form: forms.Form, refusal: Any) -> int:
    """The service's messages beside the fields, except where the form already
    says what is wrong with the same field (a date it could not read)."""
    if isinstance(refusal, ValidationError) and hasattr(refusal, "error_dict"):
        for name in list(refusal.error_dict):
            if name in form.errors:
                del refusal.error_dict[name]
        if not refusal.error_dict:
            return 422
    return show_refusal(form, refusal)
