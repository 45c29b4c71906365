"""The web pages the domain links to (SPEC §9), relative to the site: e-mails put
SITE_URL in front, in-app notifications and the API keep them relative, as the
calendar's event URLs are. Spelt once here; web/urls*.py serve them."""

from __future__ import annotations

VISIT_PAGE = "/visits/{visit}/"
REVISION_PAGE = "/visits/{visit}/reports/{revision}/"
RECOMMENDATION_PAGE = "/recommendations/{recommendation}/"
PROGRAMME_PAGE = "/programmes/{programme}/"
# A person's one-time link to set their password (imported people, SPEC §13).
SET_PASSWORD_PAGE = "/password/set/{uidb64}/{token}/"


def visit_page(visit_id: int) -> str:
    return VISIT_PAGE.format(visit=visit_id)


def revision_page(visit_id: int, revision_id: int) -> str:
    return REVISION_PAGE.format(visit=visit_id, revision=revision_id)


def recommendation_page(recommendation_id: int) -> str:
    return RECOMMENDATION_PAGE.format(recommendation=recommendation_id)


def programme_page(programme_id: int) -> str:
    return PROGRAMME_PAGE.format(programme=programme_id)


def set_password_page(uidb64: str, token: str) -> str:
    return SET_PASSWORD_PAGE.format(uidb64=uidb64, token=token)
