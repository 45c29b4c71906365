"""The "Export" links of the list pages: the API's `?format=xlsx` of the same list
(SPEC §5 "exports"; the API accepts the page's session), with the page's filters
and order translated into the API's parameters, so the file holds the rows the
page lists, every page of them.

Only what a page's form understood travels (a refused filter is left out, as the
page leaves it out). Two orders of the pages have no API equivalent and leave the
API's default order: the overview's "most overdue first" (newest visits first in
the file) and the recommendations page's "by visit" (which is the API's default).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from checklists.models import Recommendation, Visit
from web.forms_coverage import CoverageFilterForm
from web.forms_dashboard import RUNNING, OverviewFilterForm

Params = list[tuple[str, Any]]

# The page's sort → the API's `ordering` (the page breaks ties by id as well).
OVERVIEW_ORDERING = {
    "first_session": "first_session,-id",
    "-first_session": "-first_session,-id",
    "code": "code,-id",
    "title": "title,-id",
    "status": "status,-id",
}
RECOMMENDATION_ORDERING = {
    "unit": "addressee__path,due_date,id",
    "due_date": "due_date,id",
    "-due_date": "-due_date,-id",
    "state": "state,due_date,id",
}


def _xlsx(path: str, params: Params) -> str:
    return f"{path}?{urlencode([*params, ('format', 'xlsx')])}"


def _understood(form: Any) -> dict[str, Any]:
    return getattr(form, "cleaned_data", {}) if form.is_bound else {}


def _value(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "pk", value))


def overview_export_url(form: OverviewFilterForm) -> str:
    """visits/?format=xlsx with the overview's filters and order."""
    data = _understood(form)
    params: Params = []
    if data.get("q"):
        params.append(("q", data["q"]))
    if status := data.get("status"):
        statuses = (
            [s for s in Visit.Status.values if s not in Visit.FINISHED_STATUSES]
            if status == RUNNING
            else [status]
        )
        params += [("status", s) for s in statuses]
    for page_name, api_name in (
        ("unit", "within"),
        ("session_from", "session_after"),
        ("session_to", "session_before"),
    ):
        if data.get(page_name):
            params.append((api_name, _value(data[page_name])))
    if data.get("overdue"):
        params.append(("overdue", "true"))
    if ordering := OVERVIEW_ORDERING.get(data.get("sort") or ""):
        params.append(("ordering", ordering))
    return _xlsx(reverse("api:visit-list"), params)


def recommendations_export_url(form: Any) -> str:
    """recommendations/?format=xlsx with the recommendations page's filters and
    order (web.forms_conclusions.RecommendationFilterForm)."""
    data = _understood(form)
    params: Params = []
    if data.get("q"):
        params.append(("q", data["q"]))
    if state := data.get("state"):
        states = Recommendation.PENDING_STATES if state == "pending" else [state]
        params += [("state", str(s)) for s in states]
    if data.get("unit"):
        params.append(("within", _value(data["unit"])))
    if data.get("visit"):
        params.append(("visit", _value(data["visit"])))
    if data.get("overdue"):
        params.append(("overdue", "true"))
    sort = data.get("sort") or form.DEFAULT_SORT
    if ordering := RECOMMENDATION_ORDERING.get(sort):
        params.append(("ordering", ordering))
    return _xlsx(reverse("api:recommendation-list"), params)


def coverage_export_url(form: CoverageFilterForm) -> str:
    """units/coverage/?format=xlsx of the units and period the page shows."""
    params: Params = [
        (name, _value(value))
        for name in ("within", "years")
        if (value := form.value(name)) is not None
    ]
    return _xlsx(reverse("api:unit-coverage"), params)


def checklist_export_url(visit_id: int) -> str:
    """The visit's whole checklist (the page shows it unfiltered)."""
    return _xlsx(reverse("api:visit-checklist", kwargs={"visit_pk": visit_id}), [])
