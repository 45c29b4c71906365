"""The recommendations list's table rows, written directly rather than through the
template engine, as the overview's (web.views.overview_rows): 50 rows through
list.html with its _due and _state includes were ~15 ms of template rendering,
half the hand-written SQL's time for the whole page (make bench,
recommendations). The markup is the template's; the words every row repeats are
translated once per page."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.dates import day_in
from checklists.models import Recommendation
from web.text import escape

# As the template's |truncatewords:40.
TEXT_WORDS = 40


@dataclass(frozen=True)
class RecommendationLabels:
    addressed_to: str
    code: str
    recommendation: str
    visit: str
    due: str
    state: str
    overdue: str
    carried_over: str
    states: dict[str, str]
    short_date: str

    @classmethod
    def translated(cls) -> RecommendationLabels:
        return cls(
            addressed_to=escape(_("Addressed to")),
            code=escape(_("Code")),
            recommendation=escape(_("Recommendation")),
            visit=escape(_("Visit")),
            due=escape(_("Due")),
            state=escape(_("State")),
            overdue=escape(_("Overdue")),
            carried_over=escape(_("carried over")),
            states={value: escape(label) for value, label in Recommendation.State.choices},
            short_date=str(formats.get_format("SHORT_DATE_FORMAT")),
        )


def _due(rec: Recommendation, labels: RecommendationLabels) -> str:
    """web/conclusion/_due.html."""
    if rec.due_date:
        shown = escape(day_in(labels.short_date, rec.due_date))
        html = f'<time datetime="{rec.due_date.isoformat()}">{shown}</time>'
        if rec.rolled_from:
            day = day_in(labels.short_date, rec.rolled_from)
            moved = _("moved from %(day)s, a day off") % {"day": day}
            html += f'<br><small class="muted">{escape(moved)}</small>'
        if rec.extended_by:
            extended = _("extended by %(ref)s") % {"ref": rec.extended_by}
            html += f'<br><small class="muted">{escape(extended)}</small>'
        return html
    if rec.offset_days:
        n = rec.offset_days
        text = ngettext("%(counter)s day after issue", "%(counter)s days after issue", n)
        return f'<span class="muted">{escape(text % {"counter": n})}</span>'
    if rec.offset_working_days:
        n = rec.offset_working_days
        text = ngettext(
            "%(counter)s working day after issue", "%(counter)s working days after issue", n
        )
        return f'<span class="muted">{escape(text % {"counter": n})}</span>'
    return "—"


def _state(rec: Recommendation, overdue: bool, labels: RecommendationLabels) -> str:
    """web/conclusion/_state.html."""
    state = escape(rec.state)
    html = f'<span class="badge badge-{state}">{labels.states.get(rec.state, state)}</span>'
    if overdue:
        html += f' <span class="badge badge-overdue">{labels.overdue}</span>'
    if rec.state == Recommendation.State.CANCELLED and rec.cancel_reason:
        html += f'<br><small class="muted">{escape(rec.cancel_reason)}</small>'
    return html


def recommendation_row_html(
    rec: Recommendation,
    *,
    overdue: bool,
    url: str,
    conclusion_url: str,
    group_heading: bool,
    labels: RecommendationLabels,
) -> SafeString:
    """One row (after its unit's heading row when the list is grouped by unit and
    the unit changes); every text from the database or a translation is escaped."""
    addressee = escape(rec.addressee.name)
    heading = (
        f'<tr class="unit-group"><th scope="rowgroup" colspan="6">{addressee}</th></tr>'
        if group_heading
        else ""
    )
    code: str = escape(rec.code)
    if rec.state != Recommendation.State.DRAFT:
        code = f'<a href="{escape(url)}">{code}</a>'
    text = escape(Truncator(rec.text).words(TEXT_WORDS, truncate=" …"))
    visit = escape(rec.visit.code or rec.visit.title)
    carried = f' <small class="muted">({labels.carried_over})</small>' if rec.carried_over else ""
    row_class = ' class="rec-overdue"' if overdue else ""
    return mark_safe(  # every part escaped above
        f"{heading}"
        f'<tr id="rec-{int(rec.pk)}"{row_class}>'
        f'<td data-label="{labels.addressed_to}">{addressee}</td>'
        f'<th scope="row" data-label="{labels.code}">{code}</th>'
        f'<td data-label="{labels.recommendation}">{text}</td>'
        f'<td data-label="{labels.visit}"><a href="{escape(conclusion_url)}">{visit}</a>{carried}</td>'
        f'<td data-label="{labels.due}">{_due(rec, labels)}</td>'
        f'<td data-label="{labels.state}">{_state(rec, overdue, labels)}</td>'
        "</tr>\n"
    )
