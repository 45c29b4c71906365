"""The coverage of units (/coverage/, SPEC §13) for coordinators: their subtree as
a tree of nested lists, each unit with colour and words for "never inspected",
"due again" or "inspected on …" (a link to the visit) and its open and late
recommendations. Who may see it and what the figures mean is
checklists.selectors.unit_coverage, exactly as for the API's units/coverage/."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from checklists.selectors.unit_coverage import (
    CoverageEntry,
    coverage_entries,
    coverage_units,
    coverage_within_choices,
    unit_coverage_scope,
)
from checklists.wording import localised
from web.forms_coverage import CoverageFilterForm
from web.views.base import filter_problems, signed_in

NEVER, DUE, INSPECTED = "never", "due", "inspected"
# Levels of the tree shown opened at first (the top one: a province and its districts).
OPEN_LEVELS = 1


@dataclass
class CoverageNode:
    """One unit of the tree in document order: `closes` is how many lists of units
    under others end after it (the tree is written as a flat run of nodes)."""

    entry: CoverageEntry
    name: str
    level: int
    below: int = 0  # units under it
    below_due: int = 0  # of those, never inspected or due again
    closes: list[None] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.entry.never_inspected:
            return NEVER
        return DUE if self.entry.due_again else INSPECTED

    @property
    def opened(self) -> bool:
        return self.level < OPEN_LEVELS


def _level(path: str) -> int:
    return path.count("/")


def coverage_tree(entries: list[CoverageEntry]) -> list[CoverageNode]:
    """The entries (in path order, a whole subtree) as nodes with what the nested
    lists need: each one's level under the top, how many units lie under it (and
    how many of them are due), and how many lists close after it."""
    if not entries:
        return []
    top = min(_level(e.unit.path) for e in entries)
    nodes = [
        CoverageNode(
            entry=e, name=localised(e.unit.name, e.unit.name_en), level=_level(e.unit.path) - top
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
        node.closes = [None] * max(node.level - following, 0)
    return nodes


@require_GET
@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    # Refuses anyone but a coordinator (404) before anything is read for them.
    default = unit_coverage_scope(user)
    form = CoverageFilterForm(
        request.GET or None, units=coverage_within_choices(user), default_years=default.years
    )
    within = form.value("within")
    scope = unit_coverage_scope(
        user, within=within.pk if within else None, years=form.value("years")
    )
    nodes = coverage_tree(coverage_entries(scope, list(coverage_units(scope))))
    counts = {NEVER: 0, DUE: 0, INSPECTED: 0}
    for node in nodes:
        counts[node.status] += 1
    context = {
        "title": _("Coverage of units"),
        "form": form,
        "filter_problems": filter_problems(form),
        "scope": scope,
        "nodes": nodes,
        "counts": counts,
    }
    return render(request, "web/coverage.html", context)
