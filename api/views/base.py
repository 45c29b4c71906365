"""Pieces every API view shares: ETags and If-Match, and the visit under
visits/{visit_pk}/. Who may do what is decided by the services
(checklists.policies); views only render their answers and refusals."""

from __future__ import annotations

import re
from typing import Any

from django.shortcuts import get_object_or_404
from rest_framework import generics
from rest_framework import status as http
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from checklists.models import User, Visit
from checklists.policies import VisitAccess, visit_access
from checklists.selectors.visits import visible_visits

_ETAG = re.compile(r'^(W/)?"v(\d{1,18})"$')


def etag_for_version(version: int) -> str:
    return f'"v{version}"'


def versioned_response(data: Any, version: int, *, status: int = http.HTTP_200_OK) -> Response:
    """A single object's answer with its version as the ETag (a later If-Match)."""
    return Response(data, status=status, headers={"ETag": etag_for_version(version)})


def actor_of(request: Request) -> User:
    """The signed-in person a view acts for (every API view asks for one; the
    services then decide what they may do)."""
    if not isinstance(request.user, User):
        raise NotAuthenticated()
    return request.user


def expected_version(request: Request) -> int | None:
    """The version a PATCH was based on, from If-Match; None when the client did
    not ask for a conditional request (or sent `*`).

    A weak or unparseable tag can never match (RFC 9110 compares If-Match
    strongly), so it yields a version no object has and the write answers 412.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    for tag in header.split(","):
        match = _ETAG.match(tag.strip())
        if match and not match.group(1):
            return int(match.group(2))
    return -1


class ETagMixin:
    """Views whose objects carry a `row_version`: api.problems asks them for the
    current ETag to send with a 412 (StaleObjectError)."""

    def etag_for_version(self, version: int) -> str:
        return etag_for_version(version)


def access_for(request: Request, visit: Visit) -> VisitAccess:
    """The person's standing towards a visit, once per request (what a page of the
    answer shows them, never whether they may act: the services decide that)."""
    cache = request.__dict__.setdefault("_visit_access", {})
    if visit.pk not in cache:
        cache[visit.pk] = visit_access(request.user, visit)
    return cache[visit.pk]


class VisitChildMixin(generics.GenericAPIView):
    """For views under visits/{visit_pk}/: the visit, if the person may see it
    (404 otherwise, so its existence is not given away), loaded once per request
    with the person's team role (checklists.selectors.visits.visible_visits)."""

    _visit: Visit

    def get_visit(self) -> Visit:
        if getattr(self, "swagger_fake_view", False):
            return Visit()
        if not hasattr(self, "_visit"):
            self._visit = get_object_or_404(
                visible_visits(self.request.user), pk=self.kwargs["visit_pk"]
            )
        return self._visit
