"""Which language a request is answered in, who the client is, and how a
missing API address answers."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from api.problems import PROBLEM_CONTENT_TYPE
from backend.handlers import handler404


def client_address(request: HttpRequest) -> str | None:
    """The client's address, as DRF's throttles work it out with NUM_PROXIES: the
    connection's own with no proxy in front (settings.BEHIND_PROXY = 0), so a
    client-sent X-Forwarded-For counts for nothing; else the address the
    outermost of the BEHIND_PROXY proxies saw. django-axes asks here, so the
    log-in lockout and the throttles agree on who is who."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.BEHIND_PROXY
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    hops = forwarded.split(",")
    return hops[-min(proxies, len(hops))].strip() or remote


class PreferredLanguageMiddleware:
    """After LocaleMiddleware and authentication: a signed-in person's own
    language (their profile) wins over the browser's Accept-Language, unless they
    chose one with the language switch (the cookie) or an API client asked for
    one explicitly."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chose = settings.LANGUAGE_COOKIE_NAME in request.COOKIES
        api_asked = request.path.startswith("/api/") and "HTTP_ACCEPT_LANGUAGE" in request.META
        if user is not None and user.is_authenticated and not chose and not api_asked:
            language = getattr(user, "language", None)
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class ApiNotFoundMiddleware:
    """Every 404 under /api/ is a problem (application/problem+json), DEBUG or
    not. With DEBUG on, Django answers an address its URL patterns or converters
    reject (`visits/-1/`, a 23-digit id) with its technical 404 page, which
    bypasses handler404 and lists every URL pattern of the site; this puts the
    problem handler404 gives in production in its place. Views' own 404s are
    problems already and pass through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            return handler404(request)
        return response
