"""A revision compared with another, as its page shows it (web/templates/web/visit/
_comparison.html): the kept comparison (checklists.services.reports.report_revision_diff)
shaped for the template.

The page shows what changed, as a word processor's comparison does: each changed
section with its changed paragraphs and one unchanged paragraph either side for
context; longer unchanged runs fold into a line saying how many paragraphs they
hold, and unchanged sections into "no changes". Each paragraph comes as the two
columns of the wide layout (before with its deleted words, after with its
inserted ones) and as the one column of the phone's inline layout; the CSS shows
one or the other.

The rows' HTML is written here in Python (`RowWriter`), not by the template: a
30-page revision shows a few hundred rows of three columns of marked runs, and
Django's template engine resolving, localising and escaping each run on its own
took most of the page's time (issue 16; web.views.checklist_rows does the same
for the checklist). The labels are translated once per page, each text escaped
once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.http import HttpRequest
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.models import ReportRevision
from checklists.numbers import format_number
from checklists.services.reports import TextNotReady, report_revision_diff

# Unchanged paragraphs shown on each side of a change.
CONTEXT = 1


@dataclass(frozen=True)
class Part:
    op: str  # "equal", "insert" or "delete"
    text: str


@dataclass(frozen=True)
class Row:
    op: str  # "equal", "insert", "delete", "replace", or "fold" for unchanged paragraphs
    old: list[Part] = field(default_factory=list)
    new: list[Part] = field(default_factory=list)
    inline: list[Part] = field(default_factory=list)
    folded: int = 0


@dataclass(frozen=True)
class SectionView:
    anchor: str
    number: str | None
    title: str
    changed: bool
    inserted: str
    deleted: str
    inserted_count: int
    deleted_count: int
    rows: list[Row]
    # The rows' <li> elements (RowWriter), what the template shows.
    rows_html: SafeString = field(default_factory=lambda: mark_safe(""))


def _row(change: dict[str, Any]) -> Row:
    op = change["op"]
    if op == "replace":
        spans = [Part(s["op"], s["text"]) for s in change["spans"]]
        return Row(
            op,
            old=[p for p in spans if p.op != "insert"],
            new=[p for p in spans if p.op != "delete"],
            inline=spans,
        )
    if op == "insert":
        part = Part("insert", change["new"])
        return Row(op, new=[part], inline=[part])
    if op == "delete":
        part = Part("delete", change["old"])
        return Row(op, old=[part], inline=[part])
    return Row(
        op,
        old=[Part("equal", change["old"])],
        new=[Part("equal", change["new"])],
        inline=[Part("equal", change["new"])],
    )


def section_rows(changes: list[dict[str, Any]], context: int = CONTEXT) -> list[Row]:
    """The changes with the unchanged paragraphs beyond `context` of a change
    folded (a fold of a single paragraph would hide nothing: it is shown)."""
    near: set[int] = set()
    for index, change in enumerate(changes):
        if change["op"] != "equal":
            near.update(range(index - context, index + context + 1))
    rows: list[Row] = []
    hidden: list[dict[str, Any]] = []

    def flush() -> None:
        if len(hidden) > 1:
            rows.append(Row("fold", folded=len(hidden)))
        else:
            rows.extend(map(_row, hidden))
        hidden.clear()

    for index, change in enumerate(changes):
        if index in near:
            flush()
            rows.append(_row(change))
        else:
            hidden.append(change)
    flush()
    return rows


def _anchor(number: str | None) -> str:
    """A stable anchor of a section's changes (#change-III), for links into the page;
    numbers are unique within an outline."""
    return "change-" + (re.sub(r"[^\w.-]", "-", number) if number is not None else "start")


class RowWriter:
    """Writes the comparison's rows as HTML: each marked run with its label for
    screen readers (the marks are not colour alone either: underlined and struck
    through), the folds with their count; translated once per page."""

    def __init__(self) -> None:
        self.marks = {
            "insert": f'<ins><span class="visually-hidden">{escape(_("[inserted]"))} </span>',
            "delete": f'<del><span class="visually-hidden">{escape(_("[deleted]"))} </span>',
        }
        self.ends = {"insert": "</ins>", "delete": "</del>"}

    def _parts(self, parts: list[Part], marked: tuple[str, ...]) -> str:
        return " ".join(
            f"{self.marks[p.op]}{escape(p.text, quote=False)}{self.ends[p.op]}"
            if p.op in marked
            else escape(p.text, quote=False)
            for p in parts
        )

    def row(self, row: Row) -> str:
        if row.op == "fold":
            folded = ngettext(
                "… %(counter)s unchanged paragraph …",
                "… %(counter)s unchanged paragraphs …",
                row.folded,
            ) % {"counter": formats.localize(row.folded)}
            return f'<li class="comparison-fold muted">{escape(folded)}</li>'
        return (
            f'<li class="comparison-row op-{row.op}">'
            f'<div class="side old">{self._parts(row.old, ("delete",))}</div>'
            f'<div class="side new">{self._parts(row.new, ("insert",))}</div>'
            f'<div class="inline">{self._parts(row.inline, ("insert", "delete"))}</div></li>'
        )

    def rows(self, rows: list[Row]) -> SafeString:
        # Every text in it is escaped above.
        return mark_safe("\n".join(map(self.row, rows)))


def section_views(sections: list[dict[str, Any]]) -> list[SectionView]:
    views = []
    writer = RowWriter()
    for section in sections:
        number = section["number"]
        title = (
            f"{number}. {section['title']}"
            if number is not None
            else _("Before the first outline section")
        )
        rows = section_rows(section["changes"]) if section["changed"] else []
        views.append(
            SectionView(
                anchor=_anchor(number),
                number=number,
                title=title,
                changed=section["changed"],
                inserted=format_number(section["inserted"]),
                deleted=format_number(section["deleted"]),
                inserted_count=section["inserted"],
                deleted_count=section["deleted"],
                rows=rows,
                rows_html=writer.rows(rows),
            )
        )
    return views


def comparison_context(
    request: HttpRequest, revision: ReportRevision, against: ReportRevision | None
) -> dict[str, Any]:
    """The page's comparison of `revision` with `against` (None: the first revision)."""
    if against is None:
        return {"diff_against": None}
    try:
        diff = report_revision_diff(
            actor=request.user, revision=revision, against=against, unified=False
        )
    except TextNotReady as waiting:
        return {"diff_against": against, "diff_waiting": waiting.message}
    sections = section_views(diff.sections)
    return {
        "diff_against": against,
        "diff_sections": sections,
        "diff_changed": [s for s in sections if s.changed],
        "diff_inserted": diff.inserted,
        "diff_deleted": diff.deleted,
        "diff_inserted_text": format_number(diff.inserted),
        "diff_deleted_text": format_number(diff.deleted),
    }
