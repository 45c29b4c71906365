"""What a server process checks before it serves anything.

The web server (WSGI/ASGI, `runserver`), the Celery worker and beat refuse to
start with DEBUG off and a weak SECRET_KEY: it signs sessions, password-reset
links and CSRF tokens, so a short or guessable one hands out sign-ins. Django
only warns (W009, under `check --deploy`). Management commands (migrate,
collectstatic, check) and image builds still run with any key: they sign
nothing a person receives.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# Django's own thresholds for W009, and its placeholder prefix.
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 5
INSECURE_PREFIX = "django-insecure-"


def secret_key_problem(key: str) -> str | None:
    """Why `key` is too weak to sign anything in production; None when it is not."""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"it has {len(key)} characters, fewer than {MIN_SECRET_KEY_LENGTH}"
    if len(set(key)) < MIN_SECRET_KEY_CHARACTERS:
        return f"it uses fewer than {MIN_SECRET_KEY_CHARACTERS} different characters"
    if key.startswith(INSECURE_PREFIX):
        return f"it starts with Django's placeholder {INSECURE_PREFIX!r}"
    return None


def check_secret_key(key: str, *, debug: bool) -> None:
    """Refuse to serve with DEBUG off and a weak `key`, naming the variable."""
    if debug:
        return
    problem = secret_key_problem(key)
    if problem:
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak to serve with DEBUG off: {problem}. Set SECRET_KEY "
            "to a long random value, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )


def require_strong_secret_key() -> None:
    """`check_secret_key` on the settings, for a server about to start."""
    from django.conf import settings

    check_secret_key(settings.SECRET_KEY, debug=settings.DEBUG)
