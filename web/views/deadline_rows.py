"""The visits and rows of "My deadlines", written directly rather than through the
template engine, as the overview's (web.views.overview_rows): the words every
row repeats (the cells' labels, the states, the responsible parties, the visits'
statuses, the date format) are looked up once per page, not per row; the visit
links come from a URL reversed once (web.views.base.url_of_id)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from checklists.dates import day_in
from checklists.models import Milestone, Visit
from checklists.models.outlines import Responsible
from web.text import escape


@dataclass(frozen=True)
class DeadlineLabels:
    deadline: str
    due: str
    state: str
    responsible: str
    states: dict[str, str]
    parties: dict[str, str]
    statuses: dict[str, str]
    short_date: str

    @classmethod
    def translated(cls) -> DeadlineLabels:
        return cls(
            deadline=escape(_("Deadline")),
            due=escape(_("Due")),
            state=escape(_("State")),
            responsible=escape(_("Responsible")),
            states={value: escape(label) for value, label in Milestone.State.choices},
            parties={value: escape(label) for value, label in Responsible.choices},
            statuses={value: escape(label) for value, label in Visit.Status.choices},
            short_date=str(formats.get_format("SHORT_DATE_FORMAT")),
        )


def deadline_row_html(
    *,
    title: str,
    due_date: dt.date,
    state: str,
    days_text: str,
    responsible: str,
    labels: DeadlineLabels,
) -> SafeString:
    """One deadline; every text from the database or a translation is escaped."""
    state_class = escape(state)
    shown = escape(day_in(labels.short_date, due_date))
    return mark_safe(  # every part escaped above
        f'<tr class="deadline-{state_class}">'
        f'<td data-label="{labels.deadline}">{escape(title)}</td>'
        f'<td data-label="{labels.due}"><time datetime="{due_date.isoformat()}">{shown}</time></td>'
        f'<td data-label="{labels.state}"><span class="badge badge-{state_class}">'
        f"{labels.states.get(state, state_class)}</span> "
        f'<span class="days">{escape(days_text)}</span></td>'
        f'<td data-label="{labels.responsible}">'
        f"{labels.parties.get(responsible, escape(responsible))}</td>"
        "</tr>\n"
    )


def deadline_group_html(
    visit: Visit, rows: list[SafeString], labels: DeadlineLabels, visit_url: Callable[[int], str]
) -> SafeString:
    """One visit with its deadlines: the article the template wrote before, every
    text from the database escaped (rows: deadline_row_html's)."""
    status = escape(visit.status)
    code = f"{escape(visit.code)} · " if visit.code else ""
    return mark_safe(  # every part escaped above or by deadline_row_html
        f'<article class="visit-deadlines" aria-labelledby="visit-{visit.pk}-heading">'
        f'<header><h2 id="visit-{visit.pk}-heading">'
        f'<a href="{escape(visit_url(visit.pk))}">{escape(visit.title)}</a></h2>'
        f'<p class="muted">{code}{escape(visit.host_unit.name)} · '
        f'<span class="badge badge-{status}">{labels.statuses.get(visit.status, status)}'
        "</span></p></header>"
        '<div class="table-scroll"><table class="compact stack deadline-table">'
        f'<thead><tr><th scope="col">{labels.deadline}</th><th scope="col">{labels.due}</th>'
        f'<th scope="col">{labels.state}</th><th scope="col">{labels.responsible}</th>'
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div></article>\n"
    )
