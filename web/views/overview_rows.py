"""The overview's table rows, written directly rather than through the template
engine (as web.widgets.LongSelect writes its options): a page of 50 rows was
~18 ms of template rendering at best, more than the hand-written SQL for the
whole page takes (make bench, pages: overview). The markup is the one
_overview_results.html had; the cells' labels are translated once per page."""

from __future__ import annotations

from dataclasses import dataclass

from django.template import loader
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.dates import day_in
from checklists.models import Visit
from web.text import escape


@dataclass(frozen=True)
class RowLabels:
    """The words every row repeats, translated once for the page."""

    code: str
    visit: str
    host_unit: str
    first_session: str
    status: str
    checklist: str
    deadlines: str
    none: str
    none_pressing: str
    statuses: dict[str, str]
    short_date: str

    @classmethod
    def translated(cls) -> RowLabels:
        return cls(
            statuses={value: escape(label) for value, label in Visit.Status.choices},
            short_date=str(formats.get_format("SHORT_DATE_FORMAT")),
            code=escape(_("Code")),
            visit=escape(_("Visit")),
            host_unit=escape(_("Host unit")),
            first_session=escape(_("First session")),
            status=escape(_("Status")),
            checklist=escape(_("Checklist")),
            deadlines=escape(_("Deadlines")),
            none=escape(_("none")),
            none_pressing=escape(_("none pressing")),
        )


def _first_session(visit: Visit, labels: RowLabels) -> str:
    start = getattr(visit, "first_session", None)
    if start is None:
        return f'<span class="muted">{labels.none}</span>'
    # As the template's |date filter: in the page's time zone (Vietnam's); "c" is ISO 8601.
    local = timezone.localtime(start)
    shown = escape(day_in(labels.short_date, local.date()))
    return f'<time datetime="{local.isoformat()}">{shown}</time>'


def _deadline_badges(visit: Visit, labels: RowLabels) -> str:
    overdue = getattr(visit, "overdue_count", 0) or 0
    due_soon = getattr(visit, "due_soon_count", 0) or 0
    if not overdue and not due_soon:
        return f'<span class="muted">{labels.none_pressing}</span>'
    badges = []
    if overdue:
        text = ngettext("%(counter)s overdue", "%(counter)s overdue", overdue)
        badges.append(
            f'<span class="badge badge-overdue">{escape(text % {"counter": overdue})}</span>'
        )
    if due_soon:
        text = ngettext("%(counter)s due soon", "%(counter)s due soon", due_soon)
        badges.append(
            f'<span class="badge badge-due_soon">{escape(text % {"counter": due_soon})}</span>'
        )
    return " ".join(badges)


def _classification(visit: Visit) -> str:
    if not visit.classification_mark:
        return ""
    # Rare: the shared badge's own template.
    badge = loader.get_template("web/visit/_classification.html").render({"visit": visit})
    return badge.strip() + " "


def overview_row_html(visit: Visit, *, url: str, percent: int, labels: RowLabels) -> SafeString:
    """One row; every text from the database or a translation is escaped."""
    settled = int(getattr(visit, "items_settled", 0) or 0)
    total = int(getattr(visit, "items_total", 0) or 0)
    title = escape(visit.title)
    progress_label = escape(_("Checklist progress of %(title)s") % {"title": visit.title})
    progress_text = escape(
        _("%(percent)s%% (%(settled)s of %(total)s)")
        % {"percent": percent, "settled": settled, "total": total}
    )
    status = escape(visit.status)
    return mark_safe(
        f'<tr data-visit="{int(visit.pk)}">'
        f'<td data-label="{labels.code}">{escape(visit.code or "—")}</td>'
        f'<td data-label="{labels.visit}">{_classification(visit)}'
        f'<a href="{escape(url)}">{title}</a></td>'
        f'<td data-label="{labels.host_unit}">{escape(visit.host_unit.name)}</td>'
        f'<td data-label="{labels.first_session}">{_first_session(visit, labels)}</td>'
        f'<td data-label="{labels.status}"><span class="badge badge-{status}">'
        f"{labels.statuses.get(visit.status, status)}</span></td>"
        f'<td data-label="{labels.checklist}"><progress value="{settled}" max="{total or 1}" '
        f'aria-label="{progress_label}"></progress> <small>{progress_text}</small></td>'
        f'<td data-label="{labels.deadlines}" class="deadline-counts">'
        f"{_deadline_badges(visit, labels)}</td>"
        "</tr>\n"
    )
