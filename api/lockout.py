"""What a person locked out by django-axes gets back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    detail = _("This account is locked for a while after repeated failed log-ins. Try again later.")
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "type": "/api/v1/problems/locked-out",
                "title": _("Too many failed log-in attempts."),
                "status": 429,
                "detail": detail,
                "instance": request.path,
            },
            status=429,
            content_type="application/problem+json",
            json_dumps_params={"ensure_ascii": False},
        )
    if request.path.startswith("/admin/"):
        return HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8")
    # The web pages' sign-in form, shown again with the reason and nothing entered.
    from web.views.auth import SignInView

    response = SignInView.as_view(extra_context={"locked_out": detail})(request)
    response.status_code = 429
    return response.render()
