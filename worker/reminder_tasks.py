"""Celery tasks for reminders. Thin: each calls one service and owns its retries.

Beat starts `reminder_dispatch` every minute (settings.CELERY_BEAT_SCHEDULE); the
pass enqueues `reminder_send` for each reminder it records, after its commit.
Deadlines never ride on Celery ETAs: the database holds them, and a pass rebuilds
any task Redis lost.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils.dateparse import parse_datetime

from checklists.services.reminder_delivery import reminder_send as reminder_send_service
from checklists.services.reminder_dispatch import reminder_dispatch_due
from worker.outbox_retries import OUTBOX_RETRIES

__all__: list[str] = ["reminder_dispatch", "reminder_send"]


@shared_task(name="worker.reminder_dispatch", ignore_result=True)
def reminder_dispatch(now: str | None = None) -> dict[str, int]:
    """One dispatch pass. `now` (ISO 8601) is for tests and catch-up runs; beat
    passes none. Nothing to retry: the next pass, a minute later, does the same."""
    at: dt.datetime | None = parse_datetime(now) if now else None
    result = reminder_dispatch_due(now=at)
    return {"recorded": result.recorded, "skipped": result.skipped, "requeued": result.requeued}


# Retries on OutboxSendError, which ReminderSendError is.
@shared_task(name="worker.reminder_send", **OUTBOX_RETRIES)
def reminder_send(self, reminder_id: int) -> str:
    """Send one reminder; a missing, already sent or claimed reminder is a no-op."""
    return reminder_send_service(reminder_id=reminder_id)
