"""My deadlines and the overview of visits: read-only pages (plus marking a
notification read), built on checklists.selectors so that they show exactly what
the API shows the same person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from checklists.models import Milestone, Notification, User, Visit
from checklists.policies import is_coordinator
from checklists.selectors import (
    units_visible_to,
    visit_progress,
    visits_with_progress,
    with_progress_of,
)
from checklists.selectors.deadlines import deadline_page, deadline_totals
from checklists.selectors.notifications import unread_notifications
from checklists.selectors.overview import overview_page, overview_visits
from checklists.services.notifications import notification_mark_read
from checklists.services.people import user_set_notify
from checklists.wording import localised
from web.forms_dashboard import DeadlineFilterForm, NotifyPreferenceForm, OverviewFilterForm
from web.pagination import CountedPaginator, page_with_total
from web.views.base import filter_problems, is_htmx, signed_in, url_of_id
from web.views.deadline_rows import (
    DeadlineLabels,
    deadline_group_html,
    deadline_row_html,
)
from web.views.exports import overview_export_url
from web.views.overview_rows import RowLabels, overview_row_html

DEADLINE_VISITS_PER_PAGE = 20
OVERVIEW_VISITS_PER_PAGE = 50


@dataclass
class DeadlineRow:
    milestone: Milestone
    title: str
    state: str
    # Negative when overdue.
    days_left: int
    labels: DeadlineLabels

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def days_text(self) -> str:
        """How far off it is, in words: worded here once per row rather than
        by a template's three translated branches (the same messages)."""
        if self.days_left < 0:
            return ngettext(
                "%(counter)s day overdue", "%(counter)s days overdue", self.days_overdue
            ) % {"counter": self.days_overdue}
        if self.days_left == 0:
            return _("due today")
        return ngettext("in %(counter)s day", "in %(counter)s days", self.days_left) % {
            "counter": self.days_left
        }

    @property
    def html(self) -> SafeString:
        return deadline_row_html(
            title=self.title,
            due_date=self.milestone.due_date,
            state=self.state,
            days_text=self.days_text,
            responsible=self.milestone.responsible,
            labels=self.labels,
        )


@dataclass
class VisitDeadlines:
    visit: Visit
    labels: DeadlineLabels
    visit_url: Callable[[int], str]
    rows: list[DeadlineRow] = field(default_factory=list)

    @property
    def html(self) -> SafeString:
        return deadline_group_html(
            self.visit, [row.html for row in self.rows], self.labels, self.visit_url
        )

    @property
    def overdue(self) -> int:
        return sum(row.state == Milestone.State.OVERDUE for row in self.rows)


@dataclass(frozen=True)
class OverviewRow:
    """One visit of the overview, with its checklist progress (0 to 1) and link."""

    visit: Visit
    progress: float
    url: str
    labels: RowLabels

    @property
    def percent(self) -> int:
        return round(self.progress * 100)

    @property
    def html(self) -> SafeString:
        return overview_row_html(self.visit, url=self.url, percent=self.percent, labels=self.labels)


def _group_deadlines(milestones: Iterable[Milestone], today: dt.date) -> list[VisitDeadlines]:
    """The page's visits, the most overdue first (visits_by_earliest_deadline's
    order: earliest open deadline, then id), each with its deadlines
    (`milestones`: those of the page's visits by due date, with their visit and
    its host unit: deadline_page)."""
    labels = DeadlineLabels.translated()
    visit_url = url_of_id("web:visit", "visit_id")
    groups: dict[int, VisitDeadlines] = {}
    for milestone in milestones:
        group = groups.get(milestone.visit_id)
        if group is None:
            group = groups[milestone.visit_id] = VisitDeadlines(
                visit=milestone.visit, labels=labels, visit_url=visit_url
            )
        group.rows.append(
            DeadlineRow(
                milestone=milestone,
                title=localised(milestone.title, milestone.title_en),
                state=milestone.state_on(today),
                days_left=(milestone.due_date - today).days,
                labels=labels,
            )
        )
    # In due-date order each visit first shows up at its earliest deadline; ties
    # go by visit id, as on the pager's side.
    return sorted(groups.values(), key=lambda g: (g.rows[0].milestone.due_date, g.visit.pk))


@require_GET
@login_required
def deadlines(request: HttpRequest) -> HttpResponse:
    """Open deadlines of the person's running visits, grouped by visit, the visit
    with the most overdue deadline first."""
    user = signed_in(request)
    today = timezone.localdate()
    form = DeadlineFilterForm(request.GET or None, coordinator=is_coordinator(user))
    form.is_valid()
    until = form.until(today)
    # The totals and the number of visits (the pager's) in one pass over the deadlines.
    totals = deadline_totals(user, mine=form.mine, until=until, today=today)
    page = CountedPaginator(
        range(totals.visits), DEADLINE_VISITS_PER_PAGE, count=totals.visits
    ).get_page(request.GET.get("page"))
    start = (page.number - 1) * DEADLINE_VISITS_PER_PAGE
    milestones = deadline_page(
        user, mine=form.mine, until=until, start=start, size=DEADLINE_VISITS_PER_PAGE
    )
    groups = _group_deadlines(milestones, today)
    unread_count, notifications = unread_notifications(user.pk)
    return render(
        request,
        "web/dashboard/deadlines.html",
        {
            "title": _("My deadlines"),
            "form": form,
            "filter_problems": filter_problems(form),
            "page": page,
            "groups": groups,
            "totals": totals,
            "today": today,
            "unread_count": unread_count,
            "notifications": notifications,
            "notify_form": NotifyPreferenceForm(initial={"notify": user.notify}),
            "query": _query_without_page(request),
        },
    )


@require_POST
@login_required
def notify_preference(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own choice: draft-report e-mails one by one or in a
    daily digest (the service allows nobody else's)."""
    user = signed_in(request)
    form = NotifyPreferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the e-mails about draft reports reach you."))
        return redirect("web:deadlines")
    user_set_notify(actor=user, user=user, notify=form.cleaned_data["notify"])
    if form.cleaned_data["notify"] == User.Notify.DIGEST:
        messages.success(request, _("E-mails about draft reports now come in one digest a day."))
    else:
        messages.success(request, _("E-mails about draft reports now come one by one."))
    return redirect(reverse("web:deadlines") + "#notify-preference")


@require_POST
@login_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one's own notification read; someone else's answers 404."""
    notification = get_object_or_404(
        Notification.objects.filter(recipient_id=request.user.pk), pk=notification_id
    )
    notification_mark_read(actor=request.user, notification=notification)
    if not is_htmx(request):
        return redirect("web:deadlines")
    unread_count, notifications = unread_notifications(signed_in(request).pk)
    return render(
        request,
        "web/dashboard/_notifications.html",
        {"unread_count": unread_count, "notifications": notifications},
    )


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Every visit the person sees (a coordinator's scope; anyone else's own
    visits) with progress and overdue counts, filtered, sorted and paginated."""
    user = signed_in(request)
    today = timezone.localdate()
    form = OverviewFilterForm(request.GET or None, units=lambda: units_visible_to(user))
    form.is_valid()
    filters = form.filters()
    number = request.GET.get("page")
    if filters.reads_every_row:
        # The statement computes every visible visit's deadline counts anyway: the
        # total comes with the page (a statement compiled once), and the items are
        # counted for its rows only.
        page = page_with_total(
            lambda start: overview_page(user, filters, today, start, OVERVIEW_VISITS_PER_PAGE),
            lambda: overview_visits(user, filters, today),
            OVERVIEW_VISITS_PER_PAGE,
            number,
        )
        with_progress_of(list(page.object_list))
    else:
        visits = visits_with_progress(overview_visits(user, filters, today))
        page = Paginator(visits, OVERVIEW_VISITS_PER_PAGE).get_page(number)
    visit_url, labels = url_of_id("web:visit", "visit_id"), RowLabels.translated()
    context = {
        "rows": [
            OverviewRow(visit=v, progress=visit_progress(v), url=visit_url(v.pk), labels=labels)
            for v in page
        ],
        "title": _("Overview of visits") if is_coordinator(user) else _("My visits"),
        "form": form,
        "filter_problems": filter_problems(form),
        "page": page,
        "query": _query_without_page(request),
        "sort_query": _query_without(request, "page", "sort"),
        "export_url": overview_export_url(form),
    }
    template = "web/dashboard/_overview_results.html" if is_htmx(request) else None
    return render(request, template or "web/dashboard/overview.html", context)


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _query_without_page(request: HttpRequest) -> str:
    return _query_without(request, "page")
