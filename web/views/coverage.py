"""The coverage of units (/coverage/, SPEC §13) for coordinators: their subtree as
a tree of nested lists, each unit with colour and words for "never inspected",
"due again" or "inspected on …" (a link to the visit) and its open and late
recommendations. Who may see it and what the figures mean is
checklists.selectors.unit_coverage, exactly as for the API's units/coverage/.

The tree is written by coverage_tree_html rather than by template tags: a
province's few hundred units through `{% for %}`, `{% blocktranslate %}` and
`{% url %}` cost most of the page's time (make bench, unit_coverage), as the
overview's unit filter did before web.widgets.LongSelect."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape as esc
from itertools import accumulate

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from checklists.dates import day_writer
from checklists.models import Unit
from checklists.selectors.unit_coverage import (
    CoverageEntry,
    CoverageScope,
    coverage_entries,
    coverage_level_sizes,
    coverage_slice,
    coverage_units,
    coverage_within_choices,
    path_depth,
    unit_coverage_scope,
)
from checklists.wording import localiser
from web.forms_coverage import CoverageFilterForm
from web.views.base import filter_problems, signed_in, url_of_id
from web.views.exports import coverage_export_url

NEVER, DUE, INSPECTED = "never", "due", "inspected"
# Levels of the tree shown opened at first (the top one: a province and its districts).
OPEN_LEVELS = 1
# A subtree of more units than this (a coordinator of everything: ~5,000) is shown
# down to the deepest level that keeps within it; a unit there links to its own.
MAX_UNITS_SHOWN = 500


@dataclass
class CoverageNode:
    """One unit of the tree in document order: `closes` is how many lists of units
    under others end after it (the tree is written as a flat run of nodes)."""

    entry: CoverageEntry
    name: str
    level: int
    below: int = 0  # units under it, shown
    below_due: int = 0  # of those, never inspected or due again
    closes: int = 0
    more_below: bool = False  # units under it that are not shown (beyond the levels)

    @property
    def status(self) -> str:
        if self.entry.never_inspected:
            return NEVER
        return DUE if self.entry.due_again else INSPECTED


def coverage_tree(entries: list[CoverageEntry]) -> list[CoverageNode]:
    """The entries (in path order, a whole subtree) as nodes with what the nested
    lists need: each one's level under the top, how many units lie under it (and
    how many of them are due), and how many lists close after it."""
    if not entries:
        return []
    top = min(path_depth(e.unit.path) for e in entries)
    localised = localiser()
    nodes = [
        CoverageNode(
            entry=e,
            name=localised(e.unit.name, e.unit.name_en),
            level=path_depth(e.unit.path) - top,
        )
        for e in entries
    ]
    open_parents: list[CoverageNode] = []
    for index, node in enumerate(nodes):
        while open_parents and open_parents[-1].level >= node.level:
            open_parents.pop()
        for parent in open_parents:
            parent.below += 1
            parent.below_due += node.status != INSPECTED
        open_parents.append(node)
        following = nodes[index + 1].level if index + 1 < len(nodes) else 0
        node.closes = max(node.level - following, 0)
    return nodes


class _Words:
    """The tree's fixed words, translated once per page (not once per unit), and
    each inspection day and number of recommendations written once: a
    province's units share a few of them."""

    def __init__(self) -> None:
        self.never = f'<span class="badge badge-overdue">{esc(_("Never inspected"))}</span>'
        self.due = f'<span class="badge badge-due_soon">{esc(_("Due again"))}</span> '
        self.visit_url = url_of_id("web:visit", "visit_id")
        self._inspected = _("inspected on %(day)s")
        self._day = day_writer()
        self._inspected_on: dict[dt.date, str] = {}
        self._recommendations: dict[tuple[int, int], str] = {}

    def inspected_on(self, day: dt.date) -> str:
        if (words := self._inspected_on.get(day)) is None:
            words = self._inspected_on[day] = esc(self._inspected % {"day": self._day(day)})
        return words

    def recommendations(self, pending: int, late: int) -> str:
        key = (pending, late)
        if (words := self._recommendations.get(key)) is None:
            words = self._recommendations[key] = _recommendations_html(pending, late)
        return words


def _status_html(node: CoverageNode, words: _Words) -> str:
    entry = node.entry
    if node.status == NEVER:
        return words.never
    assert entry.last_visit is not None and entry.last_inspection is not None
    due = words.due if node.status == DUE else ""
    outline = f' <span class="muted">({esc(entry.outline)})</span>' if entry.outline else ""
    url = words.visit_url(entry.last_visit)
    inspected = words.inspected_on(entry.last_inspection)
    return f'{due}<a class="coverage-visit" href="{esc(url)}">{inspected}</a>{outline}'


def _recommendations_html(pending: int, late: int) -> str:
    if not pending:
        return ""
    words = ngettext(
        "%(counter)s open recommendation",
        "%(counter)s open recommendations",
        pending,
    ) % {"counter": pending}
    late_words = ""
    if late:
        overdue = ngettext("%(counter)s late", "%(counter)s late", late) % {"counter": late}
        late_words = f', <span class="badge badge-overdue">{esc(overdue)}</span>'
    return f' <span class="coverage-recommendations">{esc(words)}{late_words}</span>'


def _below_html(node: CoverageNode, query: dict[str, int]) -> str:
    if node.below:
        summary = ngettext(
            "%(counter)s unit under %(name)s",
            "%(counter)s units under %(name)s",
            node.below,
        ) % {"counter": node.below, "name": node.name}
        if node.below_due:
            summary += " · " + ngettext("%(counter)s due", "%(counter)s due", node.below_due) % {
                "counter": node.below_due
            }
        opened = " open" if node.level < OPEN_LEVELS else ""
        return f"<details{opened}><summary>{esc(summary)}</summary><ul>"
    more = ""
    if node.more_below:
        href = "?" + urlencode({**query, "within": node.entry.unit.pk})
        words = _("Show the units under %(name)s") % {"name": node.name}
        more = f'<p class="coverage-more"><a href="{esc(href)}">{esc(words)}</a></p>'
    return more + "</li>" + "</ul></details></li>" * node.closes


def coverage_tree_html(nodes: list[CoverageNode], query: dict[str, int]) -> SafeString:
    """The nested lists of the tree. Plain f-strings with every value escaped
    (html.escape, quotes included): format_html's lazy-string checks cost as much
    as the rest of the page for a few hundred units."""
    words = _Words()
    parts = [
        f'<li id="unit-{node.entry.unit.pk}"><div class="coverage-unit coverage-{node.status}">'
        f'<strong class="coverage-name">{esc(node.name)}</strong> '
        f'<span class="muted">{esc(node.entry.unit.code)}</span> '
        f"{_status_html(node, words)}"
        f"{words.recommendations(node.entry.open_recommendations, node.entry.late_recommendations)}</div>"
        f"{_below_html(node, query)}"
        for node in nodes
    ]
    # Every value above went through esc().
    return mark_safe("".join(parts))


def _levels_shown(scope: CoverageScope) -> tuple[int | None, int]:
    """How many levels of the subtree to show (None: all of them), and its units."""
    sizes = coverage_level_sizes(scope)
    shown = [n for n in accumulate(sizes) if n <= MAX_UNITS_SHOWN]
    total = sum(sizes)
    if len(shown) == len(sizes):
        return None, total
    return max(len(shown), 1), total


def _units_shown(scope: CoverageScope) -> tuple[int | None, int, list[Unit]]:
    """_levels_shown's levels and total, and the units shown. A unit's subtree (a
    province's hundred units) is first read whole, in the one query the page then
    needs; only a larger one costs the count of its levels and a second read. The
    whole tree (no root) is always larger."""
    if scope.root is not None:
        units = coverage_slice(scope, 0, MAX_UNITS_SHOWN + 1)
        if len(units) <= MAX_UNITS_SHOWN:
            return None, len(units), units
    levels, total = _levels_shown(scope)
    return levels, total, list(coverage_units(scope, levels=levels))


def _with_units_below(nodes: list[CoverageNode], levels: int) -> None:
    """Mark the nodes of the last level shown that have units under them."""
    last = [node for node in nodes if node.level == levels - 1]
    parents = set(
        Unit.objects.filter(parent_id__in=[node.entry.unit.pk for node in last]).values_list(
            "parent_id", flat=True
        )
    )
    for node in last:
        node.more_below = node.entry.unit.pk in parents


@require_GET
@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    # Refuses anyone but a coordinator (404) before anything is read for them.
    default = unit_coverage_scope(user)
    form = CoverageFilterForm(
        request.GET or None,
        units=lambda: coverage_within_choices(user),
        default_years=default.years,
    )
    within = form.value("within")
    years = form.value("years")
    scope = unit_coverage_scope(user, within=within.pk if within else None, years=years)
    levels, total, units = _units_shown(scope)
    nodes = coverage_tree(coverage_entries(scope, units))
    if levels is not None:
        _with_units_below(nodes, levels)
    counts = {NEVER: 0, DUE: 0, INSPECTED: 0}
    for node in nodes:
        counts[node.status] += 1
    context = {
        "title": _("Coverage of units"),
        "form": form,
        "filter_problems": filter_problems(form),
        "scope": scope,
        "tree": coverage_tree_html(nodes, {"years": years} if years else {}),
        "shown": len(nodes),
        "total": total,
        "levels": levels,
        "counts": counts,
        "export_url": coverage_export_url(form),
    }
    return render(request, "web/coverage.html", context)
