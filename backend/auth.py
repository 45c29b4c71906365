"""How a signed-in request finds its person."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from checklists.statements import KeyedStatement

# The person with their coordinator scope and host unit joined, compiled once per
# connection: every signed-in request runs it, and building and compiling it
# again each time cost twice what running it did (1.2 ms against 0.6 ms on the
# bench's machine, issue 16).
PERSON: KeyedStatement[Any] = KeyedStatement(
    lambda pk: (
        get_user_model()
        ._default_manager.select_related("coordinator_scope", "host_unit")
        .filter(pk=pk)
    )
)


class UserBackend(ModelBackend):
    """Django's ModelBackend, whose per-request user comes with its coordinator
    scope and host unit (joins) rather than further queries: every scoped
    coordinator's page reads the scope (who sees what, the coverage tree, the unit
    filters), and a host unit's contact's pages their unit."""

    def get_user(self, user_id: Any) -> Any:
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None  # not a key at all (a tampered session): nobody
        if pk is None:
            return None
        user = PERSON.first(pk)
        # As ModelBackend: a deactivated person is signed out at their next request.
        return user if user is not None and self.user_can_authenticate(user) else None
