"""Pieces every API view shares: access checks, ETags and If-Match."""

from __future__ import annotations

import re

from rest_framework.request import Request

from checklists.policies import VisitAccess, visit_access

_ETAG = re.compile(r'^(W/)?"v(\d{1,18})"$')


def etag_for_version(version: int) -> str:
    return f'"v{version}"'


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
    """Adds `ETag` to single-object answers of models with a `row_version`."""

    def etag_for_version(self, version: int) -> str:
        return etag_for_version(version)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        version = getattr(response, "row_version", None)
        if version is not None and 200 <= response.status_code < 300:
            response["ETag"] = etag_for_version(version)
        return response


def access_for(request: Request, visit) -> VisitAccess:
    cache = request.__dict__.setdefault("_visit_access", {})
    if visit.pk not in cache:
        cache[visit.pk] = visit_access(request.user, visit)
    return cache[visit.pk]
