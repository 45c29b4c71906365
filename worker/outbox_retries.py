"""The retry options every e-mail sending task shares (a deadline reminder, a
loop notification, a daily digest): one failure class, one back-off, one limit,
from the reminder settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from checklists.services.mail_outbox import OutboxSendError

OUTBOX_RETRIES: dict[str, Any] = {
    "bind": True,
    "autoretry_for": (OutboxSendError,),
    "retry_backoff": settings.REMINDER_RETRY_BACKOFF_SECONDS,
    "retry_backoff_max": 24 * 3600,
    # No jitter: the service holds the row's lease for exactly this back-off, and
    # a retry arriving earlier would find it still held.
    "retry_jitter": False,
    "max_retries": settings.REMINDER_MAX_ATTEMPTS - 1,
    "ignore_result": True,
}
