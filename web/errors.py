"""The pages' one mapping of domain refusals (checklists.errors) to what a person
sees: the 404 and 403 pages, or an error page with the refusal's status.

Forms still show an `Invalid` refusal beside their fields (the view catches it to
re-render the form); anything a view lets through lands here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.defaults import page_not_found, permission_denied

from checklists.errors import DomainError, NotAllowed, NotFound
from web.views.base import is_htmx


def refusal_response(request: HttpRequest, refusal: DomainError) -> HttpResponse:
    if isinstance(refusal, NotFound):
        return page_not_found(request, Http404(refusal.message))
    if isinstance(refusal, NotAllowed):
        return permission_denied(request, PermissionDenied(refusal.message))
    template = "web/_refusal.html" if is_htmx(request) else "web/refusal.html"
    return render(request, template, {"refusal": refusal}, status=refusal.status)


class DomainErrorMiddleware:
    """Turns a refusal that escaped a page's view into its page (never a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError) and not request.path.startswith("/api/"):
            return refusal_response(request, exception)
        return None
