"""Which language a request is answered in, and who the client is."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation


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
