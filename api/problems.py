"""RFC 9457 problem details for every error the API gives.

Every failure leaves as `application/problem+json` with `type`, `title`,
`status`, `detail` and, for invalid input, `errors` keyed by field path
(`sessions[0].end`). The handler also turns the errors that would otherwise
escape as a 500 (a database refusing a value, an oversized body) into the 4xx
they really are.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from django.core.exceptions import (
    PermissionDenied as DjangoPermissionDenied,
)
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import (
    ValidationError as DjangoValidationError,
)
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from checklists.errors import DomainError, StaleObjectError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "/api/v1/problems/"


def problem_type(slug: str) -> str:
    return f"{PROBLEM_BASE}{slug}"


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as {"field.path[0].sub": ["message", …]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a ListSerializer's errors, keyed by position
                path = f"{prefix}[{key}]"
            else:
                name = "" if key in ("non_field_errors", "__all__") else str(key)
                path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for sub, messages in flatten_errors(value, path).items():
                flat.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            flat.setdefault(prefix, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item in ({}, [], None, ""):
                    continue
                for sub, messages in flatten_errors(item, f"{prefix}[{index}]").items():
                    flat.setdefault(sub, []).extend(messages)
    elif detail is not None:
        flat.setdefault(prefix, []).append(str(detail))
    return flat


def problem_body(
    *, status_code: int, title: str, detail: str, slug: str | None = None, **extra: Any
) -> dict[str, Any]:
    body = {
        "type": problem_type(slug) if slug else "about:blank",
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    return body


def problem_response(
    *,
    status_code: int,
    title: str,
    detail: str,
    slug: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    return Response(
        problem_body(status_code=status_code, title=title, detail=detail, slug=slug, **extra),
        status=status_code,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def _validation_problem(errors: dict[str, list[str]], **extra: Any) -> Response:
    fields = ", ".join(sorted(name or _("(request)") for name in errors))
    return problem_response(
        status_code=400,
        title=_("The request is not valid."),
        detail=_("Correct these fields and send the request again: %(fields)s.")
        % {"fields": fields},
        slug="validation-error",
        errors=errors,
        **extra,
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    instance = request.path if request is not None else None

    if isinstance(exc, DomainError):
        # Every refusal of the domain, mapped once: its class says the status.
        headers = None
        if isinstance(exc, StaleObjectError) and hasattr(context.get("view"), "etag_for_version"):
            headers = {"ETag": context["view"].etag_for_version(exc.current_version)}
        response = problem_response(
            status_code=exc.status,
            title=_status_title(exc.status),
            detail=exc.message,
            slug=exc.slug,
            headers=headers,
            **exc.extra,
        )
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = {
                k if k != "__all__" else "": [str(m) for m in v]
                for k, v in exc.message_dict.items()
            }
        else:
            errors = {"": [str(m) for m in exc.messages]}
        # An Invalid may carry problem members of its own (an import's `rows`).
        response = _validation_problem(errors, **getattr(exc, "extra", {}))
    elif isinstance(exc, exceptions.ValidationError):
        response = _validation_problem(flatten_errors(exc.detail))
    elif isinstance(exc, RequestDataTooBig):
        response = problem_response(
            status_code=413,
            title=_("The request is too large."),
            detail=_("The request body is larger than this server accepts."),
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        response = problem_response(
            status_code=400, title=_("The request is not valid."), detail=str(exc)
        )
    elif isinstance(exc, AxesBackendPermissionDenied):
        response = problem_response(
            status_code=429,
            title=_("Too many failed log-in attempts."),
            detail=_(
                "This account is locked for a while after repeated failed log-ins. Try again later."
            ),
            slug="locked-out",
        )
    elif isinstance(exc, DataError):
        # The database refused a value the validators let through (an integer
        # beyond 64 bits in a filter, a NUL character): bad input, not a crash.
        logger.info("DataError turned into 400: %s", exc)
        response = problem_response(
            status_code=400,
            title=_("The request is not valid."),
            detail=_(
                "A value in the request is out of range or contains characters that cannot be stored."
            ),
            slug="validation-error",
        )
    elif isinstance(exc, IntegrityError):
        logger.warning("IntegrityError turned into 409: %s", exc)
        response = problem_response(
            status_code=409,
            title=_("The request conflicts with existing data."),
            detail=_(
                "Another record already uses one of these values, or a related record is missing."
            ),
            slug="conflict",
        )
    else:
        if isinstance(exc, Http404):
            exc = exceptions.NotFound()
        elif isinstance(exc, DjangoPermissionDenied):
            # Its message is meant for the reader (checklists.policies.require).
            exc = exceptions.PermissionDenied(*exc.args)
        drf_response = drf_exception_handler(exc, context)
        if drf_response is None:
            return None
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response = problem_response(
            status_code=drf_response.status_code,
            title=_status_title(drf_response.status_code),
            detail=str(detail)
            if not isinstance(detail, dict | list)
            else _status_title(drf_response.status_code),
            headers={
                k: v
                for k, v in drf_response.items()
                if k in ("WWW-Authenticate", "Retry-After", "Allow")
            },
        )
    if instance:
        response.data["instance"] = instance
    return response


def _status_title(code: int) -> str:
    titles = {
        400: _("The request is not valid."),
        401: _("Authentication is required."),
        403: _("You may not do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        406: _("No acceptable representation."),
        409: _("The request conflicts with existing data."),
        412: _("The object changed since you read it."),
        413: _("The request is too large."),
        415: _("Unsupported media type."),
        429: _("Too many requests."),
        503: _("The service is unavailable for now."),
    }
    return titles.get(code, _("The request failed."))


def json_problem(request: HttpRequest, status_code: int, detail: str) -> JsonResponse:
    """A problem answer outside DRF: the site-wide handlers (backend.handlers) give
    it under /api/."""
    return JsonResponse(
        problem_body(
            status_code=status_code,
            title=_status_title(status_code),
            detail=detail,
            instance=request.path,
        ),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "exception_handler",
    "flatten_errors",
    "json_problem",
    "problem_response",
]
