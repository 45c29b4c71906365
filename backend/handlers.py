"""The site-wide Django error handlers (backend/urls.py's handler400/403/404/500).

An address outside every route, or a crash, answers as its part of the site
does: problem details under /api/ (api.problems), Django's error pages
elsewhere. The project, not `api` or `web`, decides this, because it is the
only layer that knows both.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import defaults

from api.problems import json_problem


def _wants_problem(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem(request):
        return json_problem(request, 404, _("There is nothing at this address."))
    return defaults.page_not_found(request, exception or Exception())


def handler500(request: HttpRequest) -> HttpResponse:
    if _wants_problem(request):
        return json_problem(
            request, 500, _("Something went wrong on our side; it has been logged.")
        )
    return defaults.server_error(request)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem(request):
        return json_problem(request, 400, _("The request could not be understood."))
    return defaults.bad_request(request, exception or Exception())


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_problem(request):
        return json_problem(request, 403, str(exception or "") or _("You may not do this."))
    return defaults.permission_denied(request, exception or Exception())
