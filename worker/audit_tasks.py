"""Celery task for the audit trail: the daily verification of its hash chain."""

from __future__ import annotations

from celery import shared_task

from checklists.services.audit_chain import audit_chain_verify

__all__: list[str] = ["audit_verify"]


@shared_task(name="worker.audit_verify", ignore_result=True)
def audit_verify() -> dict[str, object]:
    """Verify the chain and, when it is broken, tell the coordinators of everything
    (once per finding). Nothing to retry: tomorrow's pass does the same."""
    check = audit_chain_verify(alert=True)
    return {"ok": check.ok, "events": check.events, "first_bad_id": check.first_bad_id}
