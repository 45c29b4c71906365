from __future__ import annotations

from typing import Any

from django.db import models

from checklists.models import AuditEvent, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    visit_id: int | None = None,
) -> AuditEvent:
    """Append one event to the audit trail. Call it inside the write's transaction,
    so the change and its record commit or roll back together."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.get_username() if actor is not None and actor.pk else "system"),
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        visit_id=visit_id,
        changes=changes or {},
    )


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{"field": {"from": old, "to": new}} for the fields whose value changed."""
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if before.get(name) != value
    }
