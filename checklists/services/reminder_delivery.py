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

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from checklists.models import Recommendation, Reminder, User
from checklists.policies import Person, require_coordinator
from checklists.services.audit import audit_record
from checklists.services.mail_outbox import (
    TRANSIENT_SEND_ERRORS,
    OutboxSendError,
    error_text,
    lease,
    permanent_reason,
    retry_delay,
    send_checked,
)
from checklists.services.mail_outbox import (
    message_id as outbox_message_id,
)
from checklists.services.reminder_wording import reminder_email

logger = logging.getLogger(__name__)

State = Reminder.State

__all__ = [
    "TRANSIENT_SEND_ERRORS",
    "ReminderSendError",
    "permanent_reason",
    "reminder_claim",
    "reminder_retry",
    "reminder_send",
    "retry_delay",
]


class ReminderSendError(OutboxSendError):
    """Sending failed for a reason that may pass; the task retries with back-off."""


def message_id_for(reminder: Reminder) -> str:
    """A Message-ID that stays the same for every try of one reminder."""
    if reminder.milestone_id is not None:
        return outbox_message_id(f"reminder-{reminder.pk}.m{reminder.milestone_id}")
    return outbox_message_id(f"reminder-{reminder.pk}.r{reminder.recommendation_id}")


def _still_due(reminder: Reminder) -> bool:
    """A milestone not met, of a visit still running; a recommendation open or
    reported, whatever its visit's status (SPEC §11); a recipient still active."""
    if not reminder.recipient.is_active:
        return False
    if reminder.milestone is not None:
        return reminder.milestone.done_at is None and reminder.milestone.visit.is_active
    recommendation = reminder.recommendation
    return recommendation is not None and recommendation.state in Recommendation.PENDING_STATES


def reminder_claim(*, reminder_id: int) -> bool:
    """Take a pending reminder for sending, for one lease. False when someone
    else holds it, it was sent or stopped, or it is gone."""
    now = timezone.now()
    claimable = Reminder.objects.filter(pk=reminder_id, state=State.PENDING, lease_until__lt=now)
    claimed = claimable.filter(attempts__lt=settings.REMINDER_MAX_ATTEMPTS).update(
        lease_until=now + lease(), attempts=F("attempts") + 1
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
        Reminder.objects.select_related(
            "milestone__visit", "recommendation__visit", "recommendation__addressee", "recipient"
        )
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return "not-claimed"
    message_id = message_id_for(reminder)
    if reminder.message_id != message_id:
        Reminder.objects.filter(pk=reminder.pk).update(message_id=message_id)
    if not _still_due(reminder):
        Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(state=State.SKIPPED)
        return "skipped"
    if reminder.recipient.email:
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
                last_error=error_text(error)
            )
            raise
    # Without an address the in-app notification was the whole delivery.
    Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(
        state=State.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _record_permanent_failure(reminder: Reminder, error: BaseException) -> str:
    text = error_text(error)
    Reminder.objects.filter(pk=reminder.pk, state=State.PENDING).update(
        state=State.FAILED, last_error=text
    )
    logger.warning("reminder %s failed for good: %s", reminder.pk, text)
    return "failed"


def _record_failure(reminder: Reminder, error: BaseException) -> str:
    attempts = Reminder.objects.values_list("attempts", flat=True).get(pk=reminder.pk)
    text = error_text(error)
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
    send_checked(message)


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
        unit=reminder.obligation.visit.host_unit,
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
            visit_id=reminder.visit_id,
            changes={"state": {"from": State.FAILED, "to": State.PENDING}},
        )
    return bool(updated)
