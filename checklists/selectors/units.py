"""Reads of units by what is typed: the suggestions of a unit field and the unit a
typed text names, always among the units a person may choose (never one out of
their sight, which reads exactly like one that does not exist).

The pages' unit filters (overview, calendar, recommendations) offer these as the
person types instead of listing every unit: a coordinator of everything sees
4,964 of them, 330 KB of <option>s in every page."""

from __future__ import annotations

import re
from typing import Literal

from django.db.models import Q, QuerySet

from checklists.models import Unit, User
from checklists.policies import Person
from checklists.selectors import units_visible_to
from checklists.selectors.conclusions import recommendation_units_visible_to
from checklists.selectors.document_templates import template_issuers_for
from checklists.selectors.unit_coverage import coverage_within_choices
from checklists.wording import localised

# Which list a unit filter narrows: the visits' host units, the addressees of the
# recommendations, or the subtree of the coverage of units; or which units a
# coordinator may upload document templates for ("issuers").
UnitFilterOf = Literal["visits", "recommendations", "coverage", "issuers"]
UNIT_FILTERS: tuple[UnitFilterOf, ...] = ("visits", "recommendations", "coverage", "issuers")

# "<name> (<code>)": how a field shows a chosen unit (unit_label); the code, which
# is unique where names are not, is read back from it.
_LABEL_CODE = re.compile(r"\(([^()\s]+)\)\s*$")


def unit_filter_choices(user: Person, of: UnitFilterOf) -> QuerySet[Unit]:
    """The units a filter of `of` may be narrowed to by this person: the units
    they see for the visits, and the units their recommendations are addressed to
    as well for the recommendations; for the coverage, the units of their scope
    with units under them; for the issuers of templates, their scope."""
    if not isinstance(user, User):
        return Unit.objects.none()
    if of == "recommendations":
        return recommendation_units_visible_to(user)
    if of == "coverage":
        return coverage_within_choices(user)
    if of == "issuers":
        return template_issuers_for(user) if user.is_coordinator else Unit.objects.none()
    return units_visible_to(user)


def unit_label(unit: Unit) -> str:
    return f"{localised(unit.name, unit.name_en)} ({unit.code})"


def unit_suggestions(units: QuerySet[Unit], text: str, *, limit: int) -> list[Unit]:
    """Up to `limit` + 1 of `units` whose code or name contains `text` (the extra
    one tells the page there are more), in tree order; with no text, the first
    ones of the tree (the person's scope from its top)."""
    text = text.strip()
    if found := _LABEL_CODE.search(text):
        # A chosen unit's label, shown again: search by its code.
        text = found.group(1)
    if text:
        units = units.filter(
            Q(code__icontains=text) | Q(name__icontains=text) | Q(name_en__icontains=text)
        )
    return list(units.only("id", "code", "name", "name_en", "path").order_by("path")[: limit + 1])


def units_named(units: QuerySet[Unit], text: str) -> list[Unit]:
    """The units of `units` that `text` names: the one whose code it is (alone or
    as a label's "(code)"), else those whose name contains it, at most two (one is
    an answer, two a question)."""
    text = text.strip()
    if not text:
        return []
    codes = [text]
    if found := _LABEL_CODE.search(text):
        codes.insert(0, found.group(1))
    for code in codes:
        exact = list(units.filter(code__iexact=code)[:1])
        if exact:
            return exact
    return list(units.filter(Q(name__icontains=text) | Q(name_en__icontains=text))[:2])
