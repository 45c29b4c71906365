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
# reached. Anything else is a bug and fails the task loudly.
TRANSIENT_SEND_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)


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
        except TRANSIENT_SEND_ERRORS as error:
            return _record_failure(reminder, error)
    # Without an address the in-app notification was the whole delivery.
    Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(
        state=State.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _record_failure(reminder: Reminder, error: BaseException) -> str:
    attempts = Reminder.objects.values_list("attempts", flat=True).get(pk=reminder.pk)
    text = f"{type(error).__name__}: {error}"[:2000]
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
