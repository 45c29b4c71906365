"""The visit page: sessions, team, deadlines, the checklist with its progress, and
the draft-report revisions (web.views.reports); inline changes of checklist items
and deadlines.

Who may see what is SPEC §4 (web.views.base.visible_visit); every change goes
through the same service as the API, which refuses what the person may not do
(rendered by web.errors.DomainErrorMiddleware).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checklists.classification import marked
from checklists.dates import day_written
from checklists.errors import StaleObjectError
from checklists.models import ChecklistItem, Milestone, Visit
from checklists.policies import VisitAccess
from checklists.selectors import (
    CHECKLIST_ROWS,
    UNIT_CONTACTS,
    VISIT_MILESTONES,
    VISIT_SESSIONS,
    VISIT_TEAM,
    ChecklistProgress,
    visit_checklist_progress,
    visit_checklist_rows,
)
from checklists.services.checklist import checklist_item_update, milestone_mark_done
from checklists.wording import localised
from web.forms import ChecklistItemForm, answer_as_text
from web.views.base import is_htmx, signed_in, visible_visit
from web.views.checklist_rows import (
    ChecklistRowData,
    ItemRow,
    RowWords,
    checklist_sections,
    row_html,
)
from web.views.conclusion import conclusion_block
from web.views.documents import visit_documents_block
from web.views.exports import checklist_export_url
from web.views.milestone_rows import MilestoneWords, milestone_row_html
from web.views.report_section import reports_context

# --- what the templates get -------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneRow:
    """One deadline as its row shows it: its state today (Milestone.state_on, as
    the API's serializer says it), its title in the person's language and its
    dates as the language writes them. The dates are written here, once, rather
    than by the row's template filters: the page lists every deadline of the
    visit and the template engine costs per node (issue 16)."""

    milestone: Milestone
    state: str
    due: str
    rolled_from: str
    done_at: str
    words: MilestoneWords
    # The person may mark it done or reopen it (its responsible side, SPEC §4).
    can_mark: bool = False

    @classmethod
    def of(
        cls, milestone: Milestone, today: dt.date, access: VisitAccess, words: MilestoneWords
    ) -> MilestoneRow:
        rolled_from, done_at = milestone.rolled_from, milestone.done_at
        return cls(
            milestone=milestone,
            words=words,
            state=milestone.state_on(today),
            due=day_written(milestone.due_date, "DATE_FORMAT"),
            rolled_from=day_written(rolled_from) if rolled_from else "",
            done_at=formats.date_format(timezone.localtime(done_at), "SHORT_DATETIME_FORMAT")
            if done_at
            else "",
            can_mark=access.may_mark(milestone.responsible),
        )

    @property
    def state_label(self) -> str:
        return str(Milestone.State(self.state).label)

    @property
    def title(self) -> str:
        return localised(self.milestone.title, self.milestone.title_en)

    def html(self, *, just_changed: bool = False) -> SafeString:
        return milestone_row_html(
            milestone=self.milestone,
            title=self.title,
            state=self.state,
            due=self.due,
            rolled_from=self.rolled_from,
            done_at=self.done_at,
            can_mark=self.can_mark,
            words=self.words,
            just_changed=just_changed,
        )


def milestone_words(request: HttpRequest, visit: Visit, access: VisitAccess) -> MilestoneWords:
    return MilestoneWords.for_page(
        visit_id=visit.pk,
        csrf_token=get_token(request),
        can_mark_column=access.can_mark_milestones,
    )


def milestone_rows(request: HttpRequest, visit: Visit, access: VisitAccess) -> list[MilestoneRow]:
    """The deadlines with their state today."""
    today = timezone.localdate()
    words = milestone_words(request, visit, access)
    milestones = VISIT_MILESTONES.rows(visit.pk)
    return [MilestoneRow.of(milestone, today, access, words) for milestone in milestones]


def visit_page_context(
    request: HttpRequest,
    visit: Visit,
    access: VisitAccess,
    **reports: Any,
) -> dict[str, Any]:
    items = list(CHECKLIST_ROWS[access.sees_internal_notes].rows(visit.pk))
    words = RowWords.for_page(request, visit.pk, access)
    user = signed_in(request)
    # The documents block reads the conclusion as the conclusion block shows it (a
    # draft hidden from whoever may not see drafts offers the same documents).
    conclusion = conclusion_block(user, visit, access)
    milestones = milestone_rows(request, visit, access)
    return {
        # The browser's tab and history carry the mark too (SPEC §14).
        "title": marked(visit.classification, visit.title),
        "visit": visit,
        "access": access,
        "outline_title": localised(visit.outline.title, visit.outline.title_en),
        "sessions": VISIT_SESSIONS.rows(visit.pk),
        "team": VISIT_TEAM.rows(visit.pk),
        "host_contacts": UNIT_CONTACTS.rows(visit.host_unit_id),
        "milestones": milestones,
        # One string, not `{% for %}` over the rows (each written by milestone_row_html).
        "milestones_html": mark_safe("".join(row.html() for row in milestones)),
        "sections": checklist_sections(items, words),
        # Counted from the items just fetched, as visit_checklist_progress counts them.
        "progress": ChecklistProgress.of(items),
        "conclusion_block": conclusion,
        "documents": visit_documents_block(user, visit, conclusion.conclusion),
        "checklist_export_url": checklist_export_url(visit.pk),
        **reports_context(request, visit, access, **reports),
    }


# --- views -------------------------------------------------------------------------------


@login_required
@require_GET
def visit_page(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit, access = visible_visit(request, visit_id)
    return render(request, "web/visit/page.html", visit_page_context(request, visit, access))


@login_required
@require_http_methods(["GET", "POST"])
def checklist_item_change(request: HttpRequest, visit_id: int, item_id: int) -> HttpResponse:
    """Status and answer of one item; the version the person saw guards against
    overwriting someone else's change (409, with the current values).

    GET shows the item on a page of its own with a form that saves it: where a row
    of the visit page leads without JavaScript (its form carries no CSRF token,
    see web.views.checklist_rows.RowWords)."""
    visit, access = visible_visit(request, visit_id)
    if request.method == "GET":
        shown = _item_row_data(visit, access, item_id)
        return _item_page(request, visit, access, ItemRow.of(shown), status=200)
    item = get_object_or_404(ChecklistItem, pk=item_id, visit_id=visit.pk)
    # The visit as loaded (with the person's team role): the service's check of
    # who may edit the checklist then costs no query.
    item.visit = visit
    form = ChecklistItemForm(request.POST, item=item)
    if form.is_valid():
        try:
            item = checklist_item_update(
                actor=signed_in(request),
                item=item,
                expected_version=form.cleaned_data["row_version"],
                **form.changes(),
            )
        except StaleObjectError as stale:
            row = ItemRow.of(_item_row_data(visit, access, item.pk), message=str(stale))
            return _item_answer(request, visit, access, row, status=409)
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            row = ItemRow.of(_item_row_data(visit, access, item.pk), saved=True)
            return _item_answer(request, visit, access, row, status=200)
    stored = _item_row_data(visit, access, item.pk)
    row = _row_sent(stored, request.POST, row_version=stored.row_version, errors=_row_errors(form))
    return _item_answer(request, visit, access, row, status=422)


def _item_row_data(visit: Visit, access: VisitAccess, item_id: int) -> ChecklistRowData:
    """The item as its row shows it (visit_checklist_rows), or 404."""
    rows = visit_checklist_rows(visit.pk, internal_notes=access.sees_internal_notes)
    found = rows.filter(pk=item_id).first()
    if found is None:
        raise Http404
    return found


def _row_sent(item: ChecklistRowData, data: QueryDict, **extra: Any) -> ItemRow:
    """The row with the values the person sent in place of the stored ones; the
    version they saw, when it is one (else the stored one)."""
    version = data.get("row_version", "")
    fields: dict[str, Any] = {
        "status": data.get("status", item.status),
        "answer": data.get("answer", answer_as_text(item.answer_type, item.answer)),
        "row_version": int(version) if version.isdigit() else item.row_version,
    }
    return ItemRow(item=item, **(fields | extra))


def _row_errors(form: ChecklistItemForm) -> dict[str, list[str]]:
    errors = {
        name: [str(message) for message in messages] for name, messages in form.errors.items()
    }
    if "__all__" in errors:
        errors["form"] = errors.pop("__all__")
    if "row_version" in errors:
        errors.setdefault("form", []).append(_("Reload the page and try again."))
        del errors["row_version"]
    return errors


def _item_answer(
    request: HttpRequest, visit: Visit, access: VisitAccess, row: ItemRow, *, status: int
) -> HttpResponse:
    if is_htmx(request):
        words = RowWords.for_page(request, visit.pk, access)
        context = {"visit": visit, "row": row, "row_html": row_html(row, words)}
        if status == 200:
            # The progress bar further up the page follows the change (hx-swap-oob).
            context["progress"] = visit_checklist_progress(visit.pk)
            context["progress_oob"] = True
        return render(request, "web/visit/_item_answer.html", context, status=status)
    if status == 200:
        return redirect(f"{reverse('web:visit', kwargs={'visit_id': visit.pk})}#item-{row.item.id}")
    return _item_page(request, visit, access, row, status=status)


def _item_page(
    request: HttpRequest, visit: Visit, access: VisitAccess, row: ItemRow, *, status: int
) -> HttpResponse:
    """One item on a page of its own, its form with a CSRF token (a plain form post)."""
    words = RowWords.for_page(request, visit.pk, access, standalone=True)
    context = {
        "title": marked(visit.classification, visit.title),
        "visit": visit,
        "row": row,
        "row_html": row_html(row, words),
    }
    return render(request, "web/visit/item.html", context, status=status)


@login_required
@require_POST
def milestone_done(request: HttpRequest, visit_id: int, milestone_id: int) -> HttpResponse:
    """Mark a deadline met (done=1) or not met after all (done=0)."""
    visit, access = visible_visit(request, visit_id)
    milestone = get_object_or_404(Milestone, pk=milestone_id, visit_id=visit.pk)
    milestone.visit = visit  # as loaded, for the service's check (no query)
    done = request.POST.get("done", "1") != "0"
    milestone = milestone_mark_done(actor=signed_in(request), milestone=milestone, done=done)
    if not is_htmx(request):
        return redirect(f"{reverse('web:visit', kwargs={'visit_id': visit.pk})}#milestones")
    milestone = Milestone.objects.select_related("done_by").get(pk=milestone.pk)
    words = milestone_words(request, visit, access)
    row = MilestoneRow.of(milestone, timezone.localdate(), access, words)
    return HttpResponse(row.html(just_changed=True))
