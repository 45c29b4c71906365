"""Domain errors. Each carries a message a person can act on; the API turns them
into problem details (ValidationError → 400, the others by their status)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class StaleObjectError(Exception):
    """The object changed since the caller read it (HTTP 412)."""

    def __init__(self, message: str, *, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


class TransitionNotAllowed(ValidationError):
    """A status change the visit's state machine does not allow."""


class OutlineNotEditable(ValidationError):
    """A published or retired outline version is immutable."""
