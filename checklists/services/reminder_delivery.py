"""Delivering one deadline reminder (SPEC §8): claim, send, record the outcome,
and a coordinator's retry of a reminder that failed.

A `Reminder` row is the outbox of its e-mail. A task per reminder claims the row
with a lease (a conditional UPDATE whose row count must be 1), sends, and marks it
sent. A claim that is never completed (worker killed, Redis restarted) expires,
and the next dispatch pass enqueues the row again, so an e-mail is never lost; it
can go out twice only if a worker dies between the mail server's acceptance and
the UPDATE, and then both copies carry the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from checklists.models import Reminder, User
from checklists.policies import Person, require_coordinator
from checklists.services.audit import audit_record
from checklists.services.reminder_wording import reminder_email

logger = logging.getLogger(__name__)

State = Reminder.State
# Sending errors worth another try: the mail server said "later", or could not be
# reached. A permanent one (`permanent_reason`) fails the reminder at once;
# anything else is a bug: recorded on the row, and the task fails loudly.
TRANSIENT_SEND_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)


def permanent_reason(error: BaseException) -> bool:
    """True when sending this message again can never work: the fault is in the
    message itself (a header Django or the e-mail package refuses, an invalid
    recipient address) or the mail server refused it for good (a 5xx reply about
    the recipients or the message). Such a reminder is failed at once, with its
    reason, and the pass goes on with the others; retrying it would only hold a
    worker and fill the log.

    A refused sender or log-in stays transient: it is the server's configuration,
    the same for every reminder, and fixing it should let them all go out."""
    if isinstance(error, ValueError):
        # BadHeaderError, "Invalid address", UnicodeError: all ValueErrors.
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


class ReminderSendError(Exception):
    """Sending failed for a reason that may pass; the task retries with back-off."""


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def retry_delay(attempts: int) -> dt.timedelta:
    """The back-off after the `attempts`-th failed try; the same curve as Celery's
    `retry_backoff` (factor × 2^retries), so the task's retry arrives as the lease
    this sets runs out."""
    return dt.timedelta(seconds=settings.REMINDER_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 1))


def message_id_for(reminder: Reminder) -> str:
    """A Message-ID that stays the same for every try of one reminder."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<reminder-{reminder.pk}.m{reminder.milestone_id}@{domain}>"


def reminder_claim(*, reminder_id: int) -> bool:
    """Take a pending reminder for sending, for one lease. False when someone
    else holds it, it was sent or stopped, or it is gone."""
    now = timezone.now()
    claimable = Reminder.objects.filter(pk=reminder_id, state=State.PENDING, lease_until__lt=now)
    claimed = claimable.filter(attempts__lt=settings.REMINDER_MAX_ATTEMPTS).update(
        lease_until=now + _lease(), attempts=F("attempts") + 1
    )
    if claimed == 1:
        return True
    # Tries used up by workers that died mid-send, which never recorded an error:
    # stop here rather than retry for ever.
    claimable.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(state=State.FAILED)
    return False


def reminder_send(*, reminder_id: int) -> str:
    """Send one reminder's e-mail, at most once unless a worker dies in the instant
    between the mail server's acceptance and the UPDATE below. Returns what
    happened ("sent", "skipped", "failed", "not-claimed").

    No actor: only the system sends. No row lock is held across the SMTP exchange:
    the lease is the claim.
    """
    if not reminder_claim(reminder_id=reminder_id):
        return "not-claimed"
    reminder = (
        Reminder.objects.select_related("milestone__visit", "recipient")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return "not-claimed"
    message_id = message_id_for(reminder)
    if reminder.message_id != message_id:
        Reminder.objects.filter(pk=reminder.pk).update(message_id=message_id)
    milestone, recipient = reminder.milestone, reminder.recipient
    if milestone.done_at is not None or not milestone.visit.is_active or not recipient.is_active:
        Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(state=State.SKIPPED)
        return "skipped"
    if recipient.email:
        try:
            _send_email(reminder, message_id=message_id)
        except Exception as error:
            if permanent_reason(error):
                return _record_permanent_failure(reminder, error)
            if isinstance(error, TRANSIENT_SEND_ERRORS):
                return _record_failure(reminder, error)
            # A bug: keep its reason on the row (shown if the tries run out) and
            # let the task fail loudly.
            Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(
                last_error=_error_text(error)
            )
            raise
    # Without an address the in-app notification was the whole delivery.
    Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(
        state=State.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def _record_permanent_failure(reminder: Reminder, error: BaseException) -> str:
    text = _error_text(error)
    Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(
        state=State.FAILED, last_error=text
    )
    logger.warning("reminder %s failed for good: %s", reminder.pk, text)
    return "failed"


def _record_failure(reminder: Reminder, error: BaseException) -> str:
    attempts = Reminder.objects.values_list("attempts", flat=True).get(pk=reminder.pk)
    text = _error_text(error)
    if attempts >= settings.REMINDER_MAX_ATTEMPTS:
        Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(
            state=State.FAILED, last_error=text
        )
        logger.warning("reminder %s failed after %s tries: %s", reminder.pk, attempts, text)
        return "failed"
    # Hold the row until the retry is due, so the pass does not re-enqueue it early.
    Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(
        lease_until=timezone.now() + retry_delay(attempts), last_error=text
    )
    raise ReminderSendError(text) from error


def _send_email(reminder: Reminder, *, message_id: str) -> None:
    with translation.override(reminder.recipient.language or settings.LANGUAGE_CODE):
        message = reminder_email(reminder, message_id=message_id)
    # Build the MIME message and check the addresses before connecting: what is
    # wrong with the message itself then fails here, the same whichever mail
    # backend is configured (the SMTP one checks addresses only as it sends,
    # the others never).
    message.message()
    encoding = message.encoding or settings.DEFAULT_CHARSET
    for address in message.recipients():
        sanitize_address(address, encoding)
    with get_connection(fail_silently=False) as mail:
        mail.send_messages([message])


@transaction.atomic
def reminder_retry(*, actor: Person | None, reminder: Reminder) -> bool:
    """Give a failed reminder another round of tries (a coordinator's decision, for
    instance after the mail server was fixed). The next pass re-enqueues it: its
    lease is set far enough in the past to count as stale. False when the reminder
    had not failed (nothing to retry).

    Only a coordinator of the reminder's visit may do it: whoever else could
    re-send a coordinator's chasers."""
    require_coordinator(
        actor,
        _("Only a coordinator of this visit may retry its reminders."),
        unit=reminder.milestone.visit.host_unit,
    )
    real_now = timezone.now()
    stale = real_now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS + 1)
    updated = Reminder.objects.filter(pk=reminder.pk, state=State.FAILED).update(
        state=State.PENDING, attempts=0, lease_until=stale
    )
    if updated:
        audit_record(
            # A person who passed require_coordinator is signed in: a User.
            actor=actor if isinstance(actor, User) else None,
            action="retry",
            obj=reminder,
            visit_id=reminder.milestone.visit_id,
            changes={"state": {"from": State.FAILED, "to": State.PENDING}},
        )
    return bool(updated)
