"""Pieces every web view shares: finding a visit the person may see, by the same
rules as the API (refusing what they may not do is checklists.policies.require)."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from checklists.models import Visit
from checklists.policies import VisitAccess, visit_access
from checklists.selectors import visits_visible_to


def visible_visit(request: HttpRequest, visit_id: int) -> tuple[Visit, VisitAccess]:
    """The visit and what this person may do to it; 404 when they may not see it,
    so its existence is not given away."""
    visit = get_object_or_404(
        visits_visible_to(request.user).select_related("host_unit", "outline"), pk=visit_id
    )
    return visit, visit_access(request.user, visit)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
