"""What every page's navigation needs to know about the person signed in."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject

from checklists.policies import is_coordinator
from checklists.selectors.conclusions import recommendations_visible_to

NAV_PAGES = (
    "web:home",
    "web:deadlines",
    "web:calendar",
    "web:overview",
    "web:recommendations",
    "web:coverage",
    "web:programmes",
    "web:document_templates",
    "web:registers",
    "web:logout",
    "admin:index",
    "set_language",
)


@cache
def _nav_urls(prefix: str) -> dict[str, str]:
    # The same on every page of a deployment: reversed once, not a dozen times a page.
    return {name.replace(":", "_"): reverse(name) for name in NAV_PAGES}


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)

    def coordinator() -> bool:
        return bool(user is not None and user.is_authenticated and is_coordinator(user))

    def recommendations() -> bool:
        # Coordinators and the inspection teams follow recommendations up, told
        # apart without a query (team members have no host unit); a host unit's
        # contacts once some recommendation is theirs to see (one query, theirs only).
        if user is None or not user.is_authenticated:
            return False
        if is_coordinator(user) or user.host_unit_id is None:
            return True
        return recommendations_visible_to(user).exists()

    # Lazy: the admin and error pages render with this processor too and need not pay.
    return {
        "nav_urls": _nav_urls(get_script_prefix()),
        "nav_is_coordinator": SimpleLazyObject(coordinator),
        "nav_shows_recommendations": SimpleLazyObject(recommendations),
    }
