"""Celery tasks of the draft-report loop's e-mails. Thin: each calls one service
and owns its retries.

The loop's services enqueue `notification_send` after their event commits (for
people who take each e-mail as it happens); beat starts `notification_email_pass`
every minute, which makes the daily digests once REMINDER_HOUR has come and
enqueues again whatever Redis lost. The database is the queue.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils.dateparse import parse_datetime

from checklists.services.notification_delivery import notification_digest_send as digest_service
from checklists.services.notification_delivery import notification_email_pass as pass_service
from checklists.services.notification_delivery import notification_send as send_service
from worker.outbox_retries import OUTBOX_RETRIES

__all__: list[str] = ["notification_digest_send", "notification_email_pass", "notification_send"]


@shared_task(name="worker.notification_send", **OUTBOX_RETRIES)
def notification_send(self, notification_id: int) -> str:
    """Send one notification's e-mail; a missing, sent or claimed one is a no-op."""
    return send_service(notification_id=notification_id)


@shared_task(name="worker.notification_digest_send", **OUTBOX_RETRIES)
def notification_digest_send(self, digest_id: int) -> str:
    """Send one daily digest; a missing, sent or claimed one is a no-op."""
    return digest_service(digest_id=digest_id)


@shared_task(name="worker.notification_email_pass", ignore_result=True)
def notification_email_pass(now: str | None = None) -> dict[str, int]:
    """One pass. `now` (ISO 8601) is for tests; beat passes none. Nothing to retry:
    the next pass, a minute later, does the same."""
    at: dt.datetime | None = parse_datetime(now) if now else None
    result = pass_service(now=at)
    return {
        "digests": len(result.digests),
        "requeued": len(result.requeued) + len(result.requeued_digests),
    }
