"""The audit trail: one append per change, in the change's transaction; chained
just after commit (services.audit_chain)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from checklists.models import AuditEvent, User
from checklists.policies import Person
from checklists.services.audit_chain import audit_chain_schedule


def acting_user(actor: Person | None) -> User | None:
    """The person to record as the actor: None for the system (and for an anonymous
    request, which no service lets act)."""
    return actor if isinstance(actor, User) and actor.pk else None


def audit_record(
    *,
    actor: Person | None,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    visit_id: int | None = None,
) -> AuditEvent:
    """Append one event to the audit trail. Call it inside the write's transaction,
    so the change and its record commit or roll back together.

    The event is inserted unchained, without waiting for any other writer; it is
    chained (seq, hash) just after commit."""
    user = acting_user(actor)
    event = AuditEvent.objects.create(
        actor=user,
        actor_name=user.get_username() if user is not None else "system",
        action=action,
        object_type=str(obj._meta.model_name),
        object_id=str(obj.pk),
        visit_id=visit_id,
        changes=changes or {},
    )
    # After the insert: outside a transaction on_commit runs at once.
    audit_chain_schedule()
    return event


def audit_record_many(
    *, actor: Person | None, events: Iterable[tuple[str, models.Model, dict[str, Any]]]
) -> list[AuditEvent]:
    """Append many events (action, object, changes) in one insert: what a
    spreadsheet import of thousands of rows records, as audit_record would
    one by one, in the write's transaction and chained after commit."""
    user = acting_user(actor)
    name = user.get_username() if user is not None else "system"
    rows = AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=user,
            actor_name=name,
            action=action,
            object_type=str(obj._meta.model_name),
            object_id=str(obj.pk),
            changes=changes or {},
        )
        for action, obj, changes in events
    )
    if rows:
        audit_chain_schedule()
    return rows


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{"field": {"from": old, "to": new}} for the fields whose value changed."""
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if before.get(name) != value
    }
