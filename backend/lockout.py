"""What a person locked out by django-axes gets back (settings.AXES_LOCKOUT_CALLABLE).

In the project, not in `api` or `web`: it answers as the part of the site that was
asked, a problem under /api/, the sign-in page elsewhere, so it knows both."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, object] | None = None,
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
    # Imported here: axes loads this module while the URLconf may still be loading.
    from web.views.auth import SignInView

    response = SignInView.as_view(extra_context={"locked_out": detail})(request)
    assert isinstance(response, TemplateResponse)  # a FormView's GET and POST render
    response.status_code = 429
    return response.render()
