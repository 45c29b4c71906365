"""Pieces every web view shares: finding a visit the person may see, by the same
rules as the API. What they may do is decided by the services they call
(checklists.policies); a refusal that escapes a view is rendered by
web.errors.DomainErrorMiddleware."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse

from checklists.models import User, Visit
from checklists.policies import VisitAccess, visit_access
from checklists.selectors.visits import visible_visit_of


def visible_visit(request: HttpRequest, visit_id: int) -> tuple[Visit, VisitAccess]:
    """The visit and the person's standing towards it (what the page offers them);
    404 when they may not see it, so its existence is not given away. Loaded with
    the person's team role, so neither this nor a service's check costs a query."""
    visit = visible_visit_of(request.user, visit_id)
    if visit is None:
        raise Http404
    return visit, visit_access(request.user, visit)


def signed_in(request: HttpRequest) -> User:
    """The person a page acts for (its view is login_required)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# An id no row has, in a URL reversed once and then filled in.
ID_PLACEHOLDER = 987654321


def url_of_id(name: str, kwarg: str, **fixed: object) -> Callable[[int], str]:
    """The URL of `name` for any id (with the `fixed` arguments every row shares),
    reversed once per page rather than once per row of a list."""
    pattern = reverse(name, kwargs={**fixed, kwarg: ID_PLACEHOLDER})
    return lambda pk: pattern.replace(str(ID_PLACEHOLDER), str(int(pk)), 1)


def filter_problems(form: forms.Form) -> str:
    """The labels of the filters whose values were not understood (and left out)."""
    if not form.is_bound:
        return ""
    return ", ".join(str(form.fields[name].label) for name in form.errors if name in form.fields)
