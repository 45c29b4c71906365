"""E-mail whose outbox is a database row (SPEC §8): what deadline reminders, the
draft-report loop's e-mails and their daily digests share.

The row is the queue. A task claims it with a lease (a conditional UPDATE whose
row count must be 1), sends, and marks it sent; a claim never completed (worker
killed, Redis restarted) expires, and a periodic pass enqueues the row again, so
an e-mail is never lost. It can go out twice only if a worker dies between the
mail server's acceptance and the UPDATE, and then both copies carry the same
Message-ID. A transient failure is retried with back-off (the task's retry
arrives as the lease runs out); a permanent one fails the row at once, with its
reason. The settings are the reminders' (REMINDER_LEASE_SECONDS, …): one mail
server, one set of limits.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import sanitize_address
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

# Sending errors worth another try: the mail server said "later", or could not be
# reached. A permanent one (`permanent_reason`) fails the row at once; anything
# else is a bug: recorded on the row, and the task fails loudly.
TRANSIENT_SEND_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)


def permanent_reason(error: BaseException) -> bool:
    """True when sending this message again can never work: the fault is in the
    message itself (a header Django or the e-mail package refuses, an invalid
    recipient address) or the mail server refused it for good (a 5xx reply about
    the recipients or the message). Such an e-mail is failed at once, with its
    reason, and the pass goes on with the others; retrying it would only hold a
    worker and fill the log.

    A refused sender or log-in stays transient: it is the server's configuration,
    the same for every e-mail, and fixing it should let them all go out."""
    if isinstance(error, ValueError):
        # BadHeaderError, "Invalid address", UnicodeError: all ValueErrors.
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


class OutboxSendError(Exception):
    """Sending failed for a reason that may pass; the task retries with back-off."""


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def retry_delay(attempts: int) -> dt.timedelta:
    """The back-off after the `attempts`-th failed try; the same curve as Celery's
    `retry_backoff` (factor × 2^retries), so the task's retry arrives as the lease
    this sets runs out."""
    return dt.timedelta(seconds=settings.REMINDER_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 1))


def error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def message_id(local_part: str) -> str:
    """A Message-ID on the site's domain; callers give a part that stays the same
    for every try of one e-mail."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{local_part}@{domain}>"


def send_checked(message: EmailMessage) -> None:
    """Send one message, checking it first. What is wrong with the message itself
    (a header, an address) then fails here, the same whichever mail backend is
    configured (the SMTP one checks addresses only as it sends, the others
    never)."""
    message.message()
    encoding = message.encoding or settings.DEFAULT_CHARSET
    for address in message.recipients():
        sanitize_address(address, encoding)
    with get_connection(fail_silently=False) as mail:
        mail.send_messages([message])


@dataclass(frozen=True)
class Outbox:
    """The e-mail columns of an outbox model, by name: the claim, the outcome and
    the sweep are then written once for every such model."""

    model: type[models.Model]
    label: str
    state: str = "state"
    lease_until: str = "lease_until"
    attempts: str = "attempts"
    sent_at: str = "sent_at"
    error: str = "last_error"
    pending: str = "pending"
    sent: str = "sent"
    failed: str = "failed"

    def _rows(self, pk: int, **filters: Any) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(pk=pk, **{self.state: self.pending}, **filters)

    def claim(self, pk: int) -> bool:
        """Take a pending row for sending, for one lease. False when someone else
        holds it, it was sent or stopped, or it is gone."""
        now = timezone.now()
        claimable = self._rows(pk, **{f"{self.lease_until}__lt": now})
        claimed = claimable.filter(
            **{f"{self.attempts}__lt": settings.REMINDER_MAX_ATTEMPTS}
        ).update(**{self.lease_until: now + lease(), self.attempts: F(self.attempts) + 1})
        if claimed == 1:
            return True
        # Tries used up by workers that died mid-send, which never recorded an
        # error: stop here rather than retry for ever.
        claimable.filter(**{f"{self.attempts}__gte": settings.REMINDER_MAX_ATTEMPTS}).update(
            **{self.state: self.failed}
        )
        return False

    def finish(self, pk: int, state: str, **extra: Any) -> int:
        """Move a pending row to `state` (sent, failed, or another end)."""
        values: dict[str, Any] = {self.state: state, **extra}
        if state == self.sent:
            values.setdefault(self.sent_at, timezone.now())
            values.setdefault(self.error, "")
        return self._rows(pk).update(**values)

    def deliver(self, pk: int, send: Callable[[], None]) -> str:
        """Run `send` for a claimed row and record what happened: "sent", "failed"
        (for good, or after the last try), or OutboxSendError raised for the task
        to retry. A bug is recorded on the row and raised."""
        try:
            send()
        except Exception as error:
            text = error_text(error)
            if permanent_reason(error):
                self.finish(pk, self.failed, **{self.error: text})
                logger.warning("%s %s failed for good: %s", self.label, pk, text)
                return "failed"
            if isinstance(error, TRANSIENT_SEND_ERRORS):
                return self._failed_try(pk, text, error)
            self._rows(pk).update(**{self.error: text})
            raise
        self.finish(pk, self.sent)
        return "sent"

    def _failed_try(self, pk: int, text: str, error: BaseException) -> str:
        attempts = (
            self.model._default_manager.filter(pk=pk).values_list(self.attempts, flat=True).get()
        )
        if attempts >= settings.REMINDER_MAX_ATTEMPTS:
            self.finish(pk, self.failed, **{self.error: text})
            logger.warning("%s %s failed after %s tries: %s", self.label, pk, attempts, text)
            return "failed"
        # Hold the row until the retry is due, so the pass does not re-enqueue it early.
        self._rows(pk).update(
            **{self.lease_until: timezone.now() + retry_delay(attempts), self.error: text}
        )
        raise OutboxSendError(text) from error

    def take_stale(self, *, limit: int = 5000) -> list[int]:
        """Pending rows nobody touched for REMINDER_REQUEUE_AFTER_SECONDS (their
        task was lost with Redis, or their worker died holding the claim), their
        lease touched so that the next pass does not take them again before the
        tasks ran; the lease stays in the past, so the tasks can claim them. Call
        inside a transaction; enqueue the ids after commit."""
        real_now = timezone.now()
        cutoff = real_now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
        stale = self.model._default_manager.filter(
            **{self.state: self.pending, f"{self.lease_until}__lt": cutoff}
        )
        if not stale.exists():
            return []
        with transaction.atomic():
            if connection.features.has_select_for_update_skip_locked:
                stale = stale.select_for_update(skip_locked=True)
            ids = list(stale.order_by(self.lease_until).values_list("pk", flat=True)[:limit])
            if ids:
                self.model._default_manager.filter(pk__in=ids).update(
                    **{self.lease_until: real_now}
                )
        return ids
