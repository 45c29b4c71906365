"""The programme pages (/programmes/, SPEC §13) for coordinators: the list with a
form for a new draft, and a programme's page: its header, its entries as an
editable table while it is a draft, a spreadsheet import whose refusal is shown
row by row, its clashes with links, and the buttons approve, create visits and
close. Each POST makes one service call (checklists.services.programmes,
.programme_imports, .programme_visits); who may do what is theirs to decide.
Anyone who may not see a programme gets 404 (checklists.selectors.programmes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from checklists.clashes import Clash
from checklists.errors import Conflict, Invalid, StaleObjectError, refusal_messages
from checklists.models import Programme, Unit, User, Visit
from checklists.numbers import format_number
from checklists.selectors.programmes import (
    programme_page_entries,
    programmes_listed_for,
    programmes_visible_to,
)
from checklists.selectors.visits import visible_visits
from checklists.services.import_jobs import import_submit, programme_import_job_latest
from checklists.services.programme_visits import (
    EntryClashes,
    VisitsCreated,
    programme_clashes,
    programme_create_visits,
)
from checklists.services.programmes import (
    Status,
    programme_approve,
    programme_close,
    programme_create,
    programme_entries_replace,
    programme_require_status,
)
from checklists.wording import localised
from web.forms_programmes import (
    EntryForm,
    EntryFormSet,
    ProgrammeImportForm,
    ProgrammeNewForm,
    VersionForm,
    entry_initial,
)
from web.views.base import signed_in
from web.views.documents import programme_documents_block
from web.views.refusals import FORM_REFUSALS, show_refusal

REFUSALS = (*FORM_REFUSALS, StaleObjectError)
ENTRIES_PREFIX = "entries"


def programme_url(programme: Programme | int) -> str:
    pk = programme if isinstance(programme, int) else programme.pk
    return reverse("web:programme", args=[pk])


def _programme(request: HttpRequest, programme_id: int) -> Programme:
    """The programme, if the person may read it (404 otherwise)."""
    return get_object_or_404(
        programmes_visible_to(signed_in(request)).select_related(
            "issuer", "outline", "decision_instrument"
        ),
        pk=programme_id,
    )


# --- clashes as the page shows them ----------------------------------------------------


@dataclass
class ClashLine:
    clash: Clash
    visits: list[Visit | int]  # a visit the person may not see is only its id
    units: list[Unit]
    people: list[User]

    @property
    def severity_label(self) -> str:
        return _("Error") if self.clash.is_error else _("Warning")


@dataclass
class ClashGroup:
    unit: str
    lines: list[ClashLine] = field(default_factory=list)


def clash_groups(user: User, found: Sequence[EntryClashes]) -> list[ClashGroup]:
    """Each entry's clashes with what they name loaded (three queries): visits the
    person sees link to their pages, the others are shown without a title."""
    clashes = [clash for group in found for clash in group.clashes]
    visit_ids = {pk for clash in clashes for pk in clash.visits}
    visits = {v.pk: v for v in visible_visits(user).filter(pk__in=visit_ids)}
    units = Unit.objects.in_bulk({pk for clash in clashes for pk in clash.units})
    people = User.objects.in_bulk({pk for clash in clashes for pk in clash.people})
    return [
        ClashGroup(
            unit=group.entry.host_unit.name,
            lines=[
                ClashLine(
                    clash=clash,
                    visits=[visits.get(pk, pk) for pk in clash.visits],
                    units=[units[pk] for pk in clash.units if pk in units],
                    people=[people[pk] for pk in clash.people if pk in people],
                )
                for clash in group.clashes
            ],
        )
        for group in found
    ]


# --- the programme page ------------------------------------------------------------------


@dataclass
class PageParts:
    """What a POST hands back to the page: a refused form, a result."""

    formset: Any = None
    import_form: ProgrammeImportForm | None = None
    import_rows: list[dict[str, Any]] | None = None
    refusal: list[str] = field(default_factory=list)
    created: VisitsCreated | None = None


def _formset(programme: Programme, entries: Sequence[Any]) -> Any:
    return EntryFormSet(prefix=ENTRIES_PREFIX, initial=[entry_initial(entry) for entry in entries])


def _page(
    request: HttpRequest, programme: Programme, parts: PageParts | None = None, status: int = 200
) -> HttpResponse:
    user = signed_in(request)
    parts = parts or PageParts()
    programme.refresh_from_db()
    entries = programme_page_entries(programme)
    is_draft = programme.status == Programme.Status.DRAFT
    job = programme_import_job_latest(actor=user, programme=programme)
    context = {
        "title": _("Programme %(code)s") % {"code": programme.code},
        "programme": programme,
        "legal_basis": list(programme.legal_basis.order_by("id")),
        "outline_title": localised(programme.outline.title, programme.outline.title_en),
        "entries": entries,
        "is_draft": is_draft,
        "is_approved": programme.status == Programme.Status.APPROVED,
        "formset": (parts.formset or _formset(programme, entries)) if is_draft else None,
        "import_form": (parts.import_form or ProgrammeImportForm()) if is_draft else None,
        "import_rows": parts.import_rows,
        "import_job": job,
        "import_job_rows": format_number(job.rows_total) if job else "",
        "import_job_created": format_number(job.created) if job else "",
        "template_url": reverse("api:programme-import-template", args=[programme.pk]),
        "refusal": parts.refusal,
        "clashes": clash_groups(user, programme_clashes(actor=user, programme=programme)),
        "created": parts.created,
        "skipped": clash_groups(user, parts.created.skipped) if parts.created else [],
        "coverage_url": reverse("web:coverage"),
        "documents": programme_documents_block(user, programme),
    }
    return render(request, "web/programme/page.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def programme_page(request: HttpRequest, programme_id: int) -> HttpResponse:
    """GET: the page. POST: the entries table saved as a whole
    (programme_entries_replace); its refusals land beside their rows."""
    programme = _programme(request, programme_id)
    if request.method == "GET":
        return _page(request, programme)
    try:
        # A table sent from a page loaded before the programme was approved: the
        # service's own rule says why it no longer changes (before its rows are read).
        programme_require_status(
            programme, Status.DRAFT, _("Only a draft programme changes; this one is %(status)s.")
        )
    except Conflict as refusal:
        return _refused(request, programme, refusal)
    formset = EntryFormSet(request.POST, prefix=ENTRIES_PREFIX)
    version = VersionForm(request.POST)
    if not formset.is_valid() or not version.is_valid():
        return _page(request, programme, PageParts(formset=formset), status=422)
    # An untouched empty row has no cleaned data; a ticked "remove" drops its row.
    kept: list[EntryForm] = [
        form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
    try:
        programme_entries_replace(
            actor=signed_in(request),
            programme=programme,
            entries=[form.entry() for form in kept],
            expected_version=version.cleaned_data["row_version"],
        )
    except Invalid as refusal:
        _show_on_rows(formset, kept, refusal)
        return _page(request, programme, PageParts(formset=formset), status=422)
    except REFUSALS as refusal:
        return _refused(request, programme, refusal)
    messages.success(request, _("The entries are saved."))
    return redirect(programme_url(programme))


def _show_on_rows(formset: Any, kept: Sequence[EntryForm], refusal: Invalid) -> None:
    """A service's `entries.<index>.<field>` errors beside the row and field they
    name; the others (the number of entries) above the table."""
    above = formset.non_form_errors()
    if not hasattr(refusal, "error_dict"):
        above.extend(refusal.messages)
        return
    for key, errors in refusal.error_dict.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(kept):
            form = kept[int(parts[1])]
            form.add_error(parts[2] if parts[2] in form.fields else None, errors)
        else:
            above.extend(message for error in errors for message in error.messages)


@login_required
@require_POST
def programme_import_view(request: HttpRequest, programme_id: int) -> HttpResponse:
    """The spreadsheet import: the whole file or nothing; its refusal lists each
    row's errors (row, column, message)."""
    programme = _programme(request, programme_id)
    form = ProgrammeImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, programme, PageParts(import_form=form), status=422)
    try:
        upload = form.cleaned_data["file"]
        outcome = import_submit(
            actor=signed_in(request),
            kind="programme_entries",
            programme=programme,
            upload=upload,
            expected_version=_seen_version(request),
            filename=getattr(upload, "name", "") or "",
        )
    except Invalid as refusal:
        rows = refusal.extra.get("rows")
        if rows is None:
            show_refusal(form, refusal)
        parts = PageParts(import_form=form, import_rows=rows)
        return _page(request, programme, parts, status=422)
    except REFUSALS as refusal:
        return _refused(request, programme, refusal)
    if outcome.job is not None:
        # A large file is imported by the worker; the page shows how it goes.
        return redirect(programme_url(programme) + "#import")
    messages.success(request, _("The entries were replaced by those of the file."))
    return redirect(programme_url(programme))


def _seen_version(request: HttpRequest) -> int | None:
    """The version the page showed (None when a form sends none: no check)."""
    version = VersionForm(request.POST)
    return version.cleaned_data["row_version"] if version.is_valid() else None


def _refused(request: HttpRequest, programme: Programme, refusal: Exception) -> HttpResponse:
    """The page with a refusal of a button above it, answered with its status."""
    status = getattr(refusal, "status", 422)
    return _page(request, programme, PageParts(refusal=refusal_messages(refusal)), status)


def _step(
    request: HttpRequest, programme_id: int, act: Callable[..., Any], done: str
) -> HttpResponse:
    programme = _programme(request, programme_id)
    try:
        act(actor=signed_in(request), programme=programme, expected_version=_seen_version(request))
    except REFUSALS as refusal:
        return _refused(request, programme, refusal)
    messages.success(request, done)
    return redirect(programme_url(programme))


@login_required
@require_POST
def programme_approve_view(request: HttpRequest, programme_id: int) -> HttpResponse:
    return _step(request, programme_id, programme_approve, _("The programme is approved."))


@login_required
@require_POST
def programme_close_view(request: HttpRequest, programme_id: int) -> HttpResponse:
    return _step(request, programme_id, programme_close, _("The programme is closed."))


@login_required
@require_POST
def programme_create_visits_view(request: HttpRequest, programme_id: int) -> HttpResponse:
    """Create the visits of the entries that have none; the page shows those made
    and those skipped with their clashes."""
    programme = _programme(request, programme_id)
    try:
        created = programme_create_visits(actor=signed_in(request), programme=programme)
    except REFUSALS as refusal:
        return _refused(request, programme, refusal)
    return _page(request, programme, PageParts(created=created))


# --- the list --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def programme_list(request: HttpRequest) -> HttpResponse:
    """GET: the programmes a coordinator reads, and the form for a new draft.
    POST: that form (programme_create)."""
    user = signed_in(request)
    programmes = programmes_listed_for(user)
    form = ProgrammeNewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                programme = programme_create(actor=user, **form.cleaned_data)
            except FORM_REFUSALS as refusal:
                status = show_refusal(form, refusal)
            else:
                messages.success(request, _("The draft programme is created; add its entries."))
                return redirect(programme_url(programme))
    context = {
        "title": _("Programmes"),
        "programmes": list(programmes),
        "form": form,
    }
    return render(request, "web/programme/list.html", context, status=status)
