"""A service's refusal shown beside a form (form display, not a decision).

The refusals a form can show are invalid input (Django's ValidationError, 422,
each message beside its field), a state that forbids the change (Conflict, 409)
and an input over a limit (TooLarge, 413). Others (NotFound, NotAllowed) are not
caught: web.errors.DomainErrorMiddleware renders their page.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from checklists.errors import Conflict, DomainError, TooLarge, refusal_messages

FORM_REFUSALS = (ValidationError, Conflict, TooLarge)

FormRefusal = ValidationError | Conflict | TooLarge


def refusal_status(refusal: FormRefusal) -> int:
    """The page's status for a refusal: 422 for invalid input, else its own."""
    if isinstance(refusal, DomainError):
        return refusal.status
    return 422


def show_refusal(form: forms.Form, refusal: FormRefusal) -> int:
    """Put the refusal's messages beside the form's fields (a field path such as
    `comments[0].text` lands on the form's `text`), or above the form; returns the
    status to answer with."""
    if isinstance(refusal, ValidationError) and hasattr(refusal, "error_dict"):
        for name, errors in refusal.error_dict.items():
            field = name.rsplit(".", 1)[-1]
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal_messages(refusal))
    return refusal_status(refusal)
