"""Which language a request is answered in."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


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
