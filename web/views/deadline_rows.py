"""The rows of "My deadlines", written directly rather than through the template
engine, as the overview's (web.views.overview_rows): the words every row repeats
(the cells' labels, the states, the responsible parties, the date format) are
looked up once per page, not per row. The markup is the template's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import dateformat, formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from checklists.models import Milestone
from checklists.models.outlines import Responsible


@dataclass(frozen=True)
class DeadlineLabels:
    deadline: str
    due: str
    state: str
    responsible: str
    states: dict[str, str]
    parties: dict[str, str]
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
    shown = escape(dateformat.format(due_date, labels.short_date))
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
