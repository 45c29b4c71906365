"""The checklist of the visit page: its sections and its rows, each row's HTML
written here in Python rather than by a template.

Why not a template: a visit's checklist has hundreds of items, each an editable
form. Django's template engine spent about 0.7 ms on each row (some fifty nodes,
each resolved, localised and escaped on its own), so the 300-item page took 14×
the time of fetching its rows (issue 16). Here a row is a few format strings
filled with values escaped once; what is the same on every row (the translated
labels, the status options with each status selected) is worked out once per
page (`RowWords`). The page and the htmx answer to a change both use `row_html`,
so a row looks the same wherever it comes from.

The markup is kept light for the same reason (the page was 538 KB): the list's
own CSS (web/static/web/visit.css, `ol.checklist`) places the parts, so a row
carries no layout classes; the visually hidden item number in each label is a
bare `<span>` there.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from types import SimpleNamespace
from typing import Any

from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from checklists.dates import day_written
from checklists.models import AnswerType, ChecklistItem
from checklists.policies import VisitAccess
from checklists.wording import localised
from web.forms import answer_as_text
from web.views.base import url_of_id

# A row of checklists.selectors.visit_checklist_rows: a named tuple of
# CHECKLIST_ROW_FIELDS (id, number, text, status, answer, assignee_name, note, …).
ChecklistRowData = Any


@dataclass
class ItemRow:
    """One checklist item as its row shows it: the stored values, or what the
    person sent when it was refused, with the errors beside the fields."""

    item: ChecklistRowData
    status: str
    answer: str
    row_version: int
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""
    saved: bool = False

    @classmethod
    def of(cls, item: ChecklistRowData, **extra: Any) -> ItemRow:
        return cls(
            item=item,
            status=item.status,
            answer=answer_as_text(item.answer_type, item.answer),
            row_version=item.row_version,
            **extra,
        )


@dataclass
class Section:
    number: str
    title: str
    rows: list[SafeString]

    @property
    def rows_html(self) -> SafeString:
        """The rows as one string: `{% for %}` over 300 rows cost the page a
        few milliseconds of template engine for nothing but joining them."""
        return mark_safe("".join(self.rows))  # each row escaped by row_html


# --- what every row shares ----------------------------------------------------------------------


def _options(choices: list[tuple[str, str]], selected: str) -> str:
    return "".join(
        # No </option>: HTML closes an option at the next one (and a page has thousands).
        f'<option value="{value}"{" selected" if value == selected else ""}>{escape(label)}'
        for value, label in choices
    )


# The words of a row, translated once per page (RowWords.label).
ROW_LABELS = {
    "status": gettext_noop("Status"),
    "answer": gettext_noop("Answer"),
    "a_number": gettext_noop("a number"),
    "visit_own": gettext_noop("Visit's own"),
    "assignee": gettext_noop("Assignee"),
    "due": gettext_noop("Due"),
    "not_answered": gettext_noop("Not answered"),
    "yes": gettext_noop("Yes"),
    "no": gettext_noop("No"),
    "finding": gettext_noop("Finding"),
    "internal_note": gettext_noop("Internal note (team only)"),
    "saved": gettext_noop("Saved"),
    "current_values": gettext_noop("The current values are shown."),
    "edit_alone": gettext_noop("Edit on its own page"),
}


@dataclass(frozen=True)
class RowWords:
    """Everything the rows of one page share, worked out once: the labels in the
    person's language, the `<option>`s of each selectable value, who may do what,
    and the URL of any item."""

    editable: bool
    sees_internal_notes: bool
    english: bool
    csrf_input: str
    save_button: str
    item_url: Callable[[int], str]
    # ROW_LABELS in the person's language, escaped: `label.status`, …
    label: SimpleNamespace
    status_options: dict[str, str]
    yes_no_options: dict[str, str]
    status_names: dict[str, str]

    @classmethod
    def for_page(
        cls, request: Any, visit_id: int, access: VisitAccess, *, standalone: bool = False
    ) -> RowWords:
        """For the rows of the visit page, or for one row on a page of its own
        (`standalone`: the item page, web.views.visit.checklist_item_change).

        In the list, htmx sends the CSRF token as a header (base.html), so the rows
        carry none: it would be 64 bytes × every row. Without JavaScript a row
        therefore links to the item's own page, whose form has the token. The link
        carries no values: an answer in a query string would land in access logs
        (the records are kept under the secret regime) and past a proxy's URL limit."""
        statuses = [(value, str(label)) for value, label in ChecklistItem.Status.choices]
        # Through a name, so that message extraction does not take the key for a message.
        not_answered = ROW_LABELS["not_answered"]
        yes_no = [("", _(not_answered)), ("yes", _("Yes")), ("no", _("No"))]
        editable = access.can_edit_checklist
        save = escape(_("Save"))
        if standalone:
            token = escape(get_token(request))
            csrf_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            save_button = f"<button>{save}</button>"
        else:
            csrf_input = ""
            save_button = ""
        return cls(
            editable=editable,
            sees_internal_notes=access.sees_internal_notes,
            english=(translation.get_language() or "").startswith("en"),
            csrf_input=csrf_input,
            save_button=save_button,
            item_url=url_of_id("web:checklist_item", "item_id", visit_id=visit_id),
            label=SimpleNamespace(**{key: escape(_(text)) for key, text in ROW_LABELS.items()}),
            status_options={value: _options(statuses, value) for value, _label in statuses},
            yes_no_options={value: _options(yes_no, value) for value, _label in yes_no},
            status_names={value: escape(label) for value, label in statuses},
        )


# --- one row -------------------------------------------------------------------------------------


def _lines(text: str) -> str:
    """Escaped, with its line breaks kept (the template filter linebreaksbr)."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def _heading(item: ChecklistRowData, words: RowWords) -> str:
    text = item.text_en if words.english and item.text_en else item.text
    parts = [f"<p><b>{escape(item.number)}.</b> {escape(text)} "]
    if item.origin == ChecklistItem.Origin.VISIT:
        parts.append(f'<span class="badge">{words.label.visit_own}</span>')
    facts = []
    if item.assignee_name is not None:
        facts.append(f"{words.label.assignee}: {escape(item.assignee_name)}")
    if item.due_date is not None:
        facts.append(f"{words.label.due}: {day_written(item.due_date)}")
    if facts:
        parts.append(f"<small>{' · '.join(facts)}</small>")
    parts.append("</p>")
    return "".join(parts)


def _invalid(row: ItemRow, name: str) -> tuple[str, str]:
    """The control's aria attributes and the error beside it, if `name` has one."""
    errors = row.errors.get(name)
    if not errors:
        return "", ""
    error_id = f"item-{row.item.id}-{name}-error"
    return (
        f' aria-invalid="true" aria-describedby="{error_id}"',
        f'<small id="{error_id}" class="field-error">{escape(" ".join(errors))}</small>',
    )


def _answer_control(row: ItemRow, words: RowWords, aria: str) -> str:
    item = row.item
    control_id = f"item-{item.id}-answer"
    if item.answer_type == AnswerType.YES_NO:
        options = words.yes_no_options.get(row.answer, words.yes_no_options[""])
        return f'<select id="{control_id}" name="answer"{aria}>{options}</select>'
    if item.answer_type == AnswerType.NUMBER:
        return (
            f'<input id="{control_id}" name="answer" inputmode="decimal" autocomplete="off" '
            f'value="{escape(row.answer)}"{aria}>'
        )
    # Its height is visit.css's; its length the form's (MAX_ANSWER_TEXT, 422 beyond).
    return f'<textarea id="{control_id}" name="answer"{aria}>{escape(row.answer)}</textarea>'


def _form(row: ItemRow, words: RowWords) -> str:
    item = row.item
    url = words.item_url(item.id)
    number = f"<span> {escape(item.section_number)}.{escape(item.number)}</span>"
    status_aria, status_error = _invalid(row, "status")
    answer_aria, answer_error = _invalid(row, "answer")
    status_options = words.status_options.get(row.status, words.status_options["open"])
    hint = (
        f" <small>({words.label.a_number})</small>" if item.answer_type == AnswerType.NUMBER else ""
    )
    parts = [
        # No hx-post: web/static/web/checklist.js sends the form through htmx.
        f'<form method="post" action="{url}">{words.csrf_input}',
        f'<input type="hidden" name="row_version" value="{row.row_version}">',
        f'<label>{words.label.status}{number}<select id="item-{item.id}-status" name="status"'
        f"{status_aria}>{status_options}</select></label>",
        f"<label>{words.label.answer}{number}{hint}{_answer_control(row, words, answer_aria)}"
        "</label>",
        words.save_button or _edit_alone(url, words),
        status_error,
        answer_error,
    ]
    if row.errors.get("form"):
        parts.append(
            f'<p class="message message-error" role="alert">{escape(" ".join(row.errors["form"]))}</p>'
        )
    if row.message:
        parts.append(
            f'<p class="message message-warning" role="alert">{escape(row.message)} '
            f"{words.label.current_values}</p>"
        )
    if row.saved:
        parts.append(f'<small class="saved">{words.label.saved}</small>')
    parts.append("</form>")
    return "".join(parts)


def _edit_alone(url: str, words: RowWords) -> str:
    """Without JavaScript, the way to the item's page that saves it."""
    return f'<noscript><a href="{url}">{words.label.edit_alone}</a></noscript>'


def _readonly(item: ChecklistRowData, words: RowWords) -> str:
    if item.answer is None:
        answer = f'<span class="muted">{words.label.not_answered}</span>'
    elif item.answer_type == AnswerType.YES_NO:
        answer = words.label.yes if item.answer else words.label.no
    else:
        answer = _lines(answer_as_text(item.answer_type, item.answer))
    status = words.status_names.get(item.status, escape(item.status))
    return (
        f"<dl><div><dt>{words.label.status}</dt><dd>"
        f'<span class="badge badge-{item.status}">{status}</span></dd></div>'
        f"<div><dt>{words.label.answer}</dt><dd>{answer}</dd></div></dl>"
    )


def row_html(row: ItemRow, words: RowWords) -> SafeString:
    """One item's `<li>`: its text, its form (or its values, read only), its finding
    and, for the team, its internal note. Every value from the row is escaped."""
    item = row.item
    parts = [
        f'<li id="item-{item.id}" class="status-{escape(row.status)}">',
        _heading(item, words),
        _form(row, words) if words.editable else _readonly(item, words),
    ]
    if item.finding:
        parts.append(
            f'<p class="item-finding"><strong>{words.label.finding}:</strong> {_lines(item.finding)}</p>'
        )
    # `note` is empty for those who may not see it (the selector leaves it out).
    if words.sees_internal_notes and item.note:
        parts.append(
            f'<p class="internal-note"><strong>{words.label.internal_note}:</strong> '
            f"{_lines(item.note)}</p>"
        )
    parts.append("</li>")
    # Every value from the row was escaped above.
    return mark_safe("".join(parts))


def checklist_sections(items: list[ChecklistRowData], words: RowWords) -> list[Section]:
    """The items grouped by outline section, each row as HTML."""
    sections = []
    for (_position, number), grouped in itertools.groupby(
        items, key=lambda item: (item.section_position, item.section_number)
    ):
        group = list(grouped)
        rows = [row_html(ItemRow.of(item), words) for item in group]
        first = group[0]
        sections.append(
            Section(
                number=number,
                title=localised(first.section_title, first.section_title_en),
                rows=rows,
            )
        )
    return sections
