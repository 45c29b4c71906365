"""The visit page's deadline rows, written directly rather than by a template per
row, as the checklist's and the overview's (web.views.checklist_rows,
overview_rows): the words every row repeats (the cells' labels, the states, the
responsible parties, the buttons) are translated once per page and the form's
address is reversed once (web.views.base.url_of_id). The same writer answers the
row that htmx swaps in after "Mark done" or "Reopen"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from checklists.models import Milestone
from checklists.models.outlines import Responsible
from web.text import escape
from web.views.base import url_of_id


@dataclass(frozen=True)
class MilestoneWords:
    """What every row of one page says alike, escaped once."""

    deadline: str
    due: str
    responsible: str
    state: str
    reopen: str
    mark_done: str
    saved: str
    states: dict[str, str]
    parties: dict[str, str]
    done_url: Callable[[int], str]
    csrf_token: str
    # The person may mark some deadline of the visit (the column exists).
    can_mark_column: bool

    @classmethod
    def for_page(cls, *, visit_id: int, csrf_token: str, can_mark_column: bool) -> MilestoneWords:
        return cls(
            deadline=escape(_("Deadline")),
            due=escape(_("Due")),
            responsible=escape(_("Responsible")),
            state=escape(_("State")),
            reopen=escape(_("Reopen")),
            mark_done=escape(_("Mark done")),
            saved=escape(_("Saved")),
            states={value: escape(label) for value, label in Milestone.State.choices},
            parties={value: escape(label) for value, label in Responsible.choices},
            done_url=url_of_id("web:milestone_done", "milestone_id", visit_id=visit_id),
            csrf_token=escape(csrf_token),
            can_mark_column=can_mark_column,
        )


def _moved(rolled_from: str) -> str:
    if not rolled_from:
        return ""
    words = _("moved from %(day)s, a day off") % {"day": rolled_from}
    return f'<br><small class="muted">{escape(words)}</small>'


def _met(done_at: str, done_by: object | None) -> str:
    if not done_at:
        return ""
    by = f" · {escape(str(done_by))}" if done_by is not None else ""
    return f'<small class="muted">{escape(_("met %(when)s") % {"when": done_at})}{by}</small>'


def _action(milestone: Milestone, title: str, words: MilestoneWords, just_changed: bool) -> str:
    url = escape(words.done_url(milestone.pk))
    if milestone.done_at:
        done, button_class, label = "0", "secondary outline small", words.reopen
    else:
        done, button_class, label = "1", "small", words.mark_done
    saved = f'<small class="saved" role="status">{words.saved}</small>' if just_changed else ""
    return (
        f'<form method="post" action="{url}" hx-post="{url}" hx-target="closest tr" '
        'hx-swap="outerHTML" class="inline-form">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{words.csrf_token}">'
        f'<input type="hidden" name="done" value="{done}">'
        f'<button type="submit" class="{button_class}" id="milestone-{milestone.pk}-action">'
        f'{label}<span class="visually-hidden">: {escape(title)}</span></button></form>{saved}'
    )


def milestone_row_html(
    *,
    milestone: Milestone,
    title: str,
    state: str,
    due: str,
    rolled_from: str,
    done_at: str,
    can_mark: bool,
    words: MilestoneWords,
    just_changed: bool = False,
) -> SafeString:
    """One deadline; every text from the database or a translation is escaped."""
    state_class = escape(state)
    action = ""
    if words.can_mark_column:
        inner = _action(milestone, title, words, just_changed) if can_mark else ""
        action = f"<td>{inner}</td>"
    party = words.parties.get(milestone.responsible, escape(milestone.responsible))
    return mark_safe(  # every part escaped above
        f'<tr id="milestone-{milestone.pk}">'
        f'<th scope="row" data-label="{words.deadline}">{escape(title)}</th>'
        f'<td data-label="{words.due}"><time datetime="{milestone.due_date.isoformat()}">'
        f"{escape(due)}</time>{_moved(rolled_from)}</td>"
        f'<td data-label="{words.responsible}">{party}</td>'
        f'<td data-label="{words.state}"><span class="badge badge-{state_class}">'
        f"{words.states.get(state, state_class)}</span> "
        f"{_met(done_at, milestone.done_by if milestone.done_by_id else None)}</td>"
        f"{action}</tr>\n"
    )
