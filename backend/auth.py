"""How a signed-in request finds its person."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    """Django's ModelBackend, whose per-request user comes with its coordinator
    scope and host unit (joins) rather than further queries: every scoped
    coordinator's page reads the scope (who sees what, the coverage tree, the unit
    filters), and a host unit's contact's pages their unit."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("coordinator_scope", "host_unit").get(
                pk=user_id
            )
        except model.DoesNotExist:
            return None
        # As ModelBackend: a deactivated person is signed out at their next request.
        return user if self.user_can_authenticate(user) else None
