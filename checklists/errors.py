"""Domain refusals. Each carries a message a person can act on and says what it
means; every door maps the meaning once:

- the API in `api/problems.py` (problem details with the status below),
- the pages in `web/errors.py` (the page's error display),
- the admin in `checklists/admin/common.ServiceErrorsMixin` (a message).

| refusal | meaning | HTTP |
| --- | --- | --- |
| `NotFound` | the object does not exist for this person (hidden ones included, SPEC §4) | 404 |
| `NotAllowed` | the person sees it but may not do this | 403 |
| `Invalid` (Django's `ValidationError`) | the input is wrong; `error_dict` keys are field paths | 400 |
| `Conflict` | the objects' state forbids it (a status change, a duplicate, a non-empty parent) | 409 |
| `StaleObjectError` | the object changed since the caller read it | 412 |
| `TooLarge` | the input is larger than a limit | 413 |
| `Unavailable` | a part the product depends on is missing or busy | 503 |

Invalid input stays Django's `ValidationError` (and `Invalid`, its subclass), so that
model `full_clean()`, forms and the admin understand it without translation.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A refusal with a meaning; `status` is its HTTP equivalent, `slug` names its
    problem type (api/problems.py)."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "refused"

    def __init__(self, message: Any, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        # Machine-readable details a door may add to its answer (problem members).
        self.extra = extra

    @property
    def messages(self) -> list[str]:
        return [self.message]


class NotFound(DomainError):
    """The object does not exist, or the person may not know that it does."""

    status = 404
    slug = "not-found"


class NotAllowed(DomainError):
    """The person sees the object but lacks the capability (SPEC §4's "no")."""

    status = 403
    slug = "not-allowed"


class Conflict(DomainError):
    """The state of the data forbids the request; sending it again as it is will fail
    again until something else changes."""

    status = 409
    slug = "conflict"


class TransitionNotAllowed(Conflict):
    """A status change the state machine does not allow."""

    slug = "transition-not-allowed"


class OutlineNotEditable(Conflict):
    """A published or retired outline version is immutable; or its status forbids
    what was asked (publishing twice, retiring a draft, deleting a retired one)."""

    slug = "outline-not-editable"


class ClashesFound(Conflict):
    """The plan clashes (SPEC §13: a person or a host unit in two overlapping
    windows); `clashes` lists them as SPEC §5's clash objects (a problem member)."""

    slug = "clashes"


class StaleObjectError(DomainError):
    """The object changed since the caller read it (HTTP 412)."""

    status = 412
    slug = "stale-object"

    def __init__(self, message: Any, *, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


class TooLarge(DomainError):
    """The input exceeds a size or count limit."""

    status = 413
    slug = "too-large"


class Unavailable(DomainError):
    """A part the product depends on is missing or busy; retrying later may work."""

    status = 503
    slug = "unavailable"


class Invalid(ValidationError):
    """Invalid input, with field paths (`{"sessions[0].end": [...]}`) as keys.

    A subclass of Django's ValidationError, so forms, `full_clean()` and the admin
    treat it as theirs; the doors map both to 400. `extra` holds machine-readable
    details a door may add to its answer (problem members), as DomainError's do:
    a spreadsheet import's `rows` (checklists.imports)."""

    def __init__(self, message: Any, code: str | None = None, params: Any = None, **extra: Any):
        super().__init__(message, code, params)
        self.extra = extra


def refusal_messages(exc: Exception) -> list[str]:
    """The sentences of a refusal, for doors that show text only (admin, pages)."""
    if isinstance(exc, ValidationError):
        return [str(message) for message in exc.messages]
    if isinstance(exc, DomainError):
        return exc.messages
    return [str(exc)]


__all__ = [
    "ClashesFound",
    "Conflict",
    "DomainError",
    "Invalid",
    "NotAllowed",
    "NotFound",
    "OutlineNotEditable",
    "StaleObjectError",
    "TooLarge",
    "TransitionNotAllowed",
    "Unavailable",
    "refusal_messages",
]
