"""E-mails of the draft-report loop's notifications (SPEC §3, §5 `notify`): one by
one, or in a daily digest; the periodic pass that makes the digests and rebuilds
lost tasks.

A loop notification for a person with an address is its own e-mail's outbox
(checklists.services.mail_outbox): `pending` for people who take each e-mail as
it happens (a task per notification, enqueued after the event commits), or
`digest` for people who take one digest a day. Deadline reminders never come
here: their Reminder rows are their outbox (checklists.services.reminder_delivery)
and they go out at once whatever the person's preference.

The daily digest is a NotificationDigest row, unique per (recipient, local day),
made by the pass once REMINDER_HOUR has come that day, from the notifications
waiting since before that hour; it is then claimed, sent and marked like any
outbox row. Notifications arriving later wait for the next day's digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation

from checklists.models import Notification, NotificationDigest
from checklists.services.loop_wording import digest_email, notification_email
from checklists.services.mail_outbox import Outbox, message_id, send_checked

Email = Notification.Email
DigestState = NotificationDigest.State

NOTIFICATION_OUTBOX = Outbox(
    model=Notification,
    label="notification e-mail",
    state="email_state",
    lease_until="email_lease_until",
    attempts="email_attempts",
    sent_at="emailed_at",
    error="email_error",
)
DIGEST_OUTBOX = Outbox(model=NotificationDigest, label="notification digest")

# Held for the length of the digest-making transaction, so that two passes at
# once (two beats) never both make digests: the second skips (PostgreSQL; on
# SQLite the transaction's BEGIN IMMEDIATE serialises writers anyway). The
# unique (recipient, day) stays the last word.
DIGEST_LOCK_KEY = 0x6E6F74696679  # "notify"

Enqueue = Callable[[int], None]


def _enqueue_send(notification_id: int) -> None:
    # The domain's one way into the worker (declared in .importlinter): imported
    # here, as the task module imports this one.
    from worker.notification_tasks import notification_send as notification_send_task

    notification_send_task.delay(notification_id)


def _enqueue_digest(digest_id: int) -> None:
    from worker.notification_tasks import notification_digest_send as digest_send_task

    digest_send_task.delay(digest_id)


def _after_commit(enqueue: Enqueue, ids: list[int]) -> None:
    if not ids:
        return

    def run() -> None:
        for pk in ids:
            enqueue(pk)

    # robust: a broker that is down must not undo the event that was committed;
    # the pass enqueues what it never received.
    transaction.on_commit(run, robust=True)


def send_after_commit(notification_ids: list[int]) -> None:
    """Hand these notifications' e-mails to their tasks once the event commits."""
    # Looked up at call time, so that tests may replace the module's function.
    _after_commit(lambda pk: _enqueue_send(pk), notification_ids)


# --- one by one --------------------------------------------------------------------------


def notification_message_id(notification: Notification) -> str:
    return message_id(f"notification-{notification.pk}.v{notification.visit_id or 0}")


def notification_send(*, notification_id: int) -> str:
    """Send one notification's e-mail (recipients who take each e-mail as it
    happens). Returns "sent", "failed", "skipped" or "not-claimed"; raises
    OutboxSendError for the task to retry. No actor: only the system sends."""
    if not NOTIFICATION_OUTBOX.claim(notification_id):
        return "not-claimed"
    notification = (
        Notification.objects.select_related("recipient", "visit").filter(pk=notification_id).first()
    )
    if notification is None:
        return "not-claimed"
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        # Deactivated, or the address removed since: the in-app notification stays.
        NOTIFICATION_OUTBOX.finish(notification_id, Email.NONE)
        return "skipped"

    def send() -> None:
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            message = notification_email(
                notification, message_id=notification_message_id(notification)
            )
        send_checked(message)

    return NOTIFICATION_OUTBOX.deliver(notification_id, send)


# --- the daily digest ----------------------------------------------------------------------


def digest_message_id(digest: NotificationDigest) -> str:
    return message_id(f"digest-{digest.pk}.{digest.day:%Y%m%d}")


def notification_digest_send(*, digest_id: int) -> str:
    """Send one person's daily digest, listing its notifications; they are marked
    e-mailed with it (or failed with it). Returns as notification_send does."""
    if not DIGEST_OUTBOX.claim(digest_id):
        return "not-claimed"
    digest = NotificationDigest.objects.select_related("recipient").filter(pk=digest_id).first()
    if digest is None:
        return "not-claimed"
    recipient = digest.recipient
    notifications = list(
        Notification.objects.filter(digest=digest)
        .select_related("visit")
        .order_by("created_at", "id")
    )
    if not notifications or not recipient.is_active or not recipient.email:
        with transaction.atomic():
            DIGEST_OUTBOX.finish(digest_id, DigestState.SENT, sent_at=None)
            Notification.objects.filter(digest=digest, email_state=Email.DIGEST).update(
                email_state=Email.NONE
            )
        return "skipped"

    def send() -> None:
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            message = digest_email(recipient, notifications, message_id=digest_message_id(digest))
        send_checked(message)

    outcome = DIGEST_OUTBOX.deliver(digest_id, send)
    # Reached only when the digest ended (sent, or failed for good).
    Notification.objects.filter(digest=digest, email_state=Email.DIGEST).update(
        email_state=Email.SENT if outcome == "sent" else Email.FAILED,
        emailed_at=timezone.now() if outcome == "sent" else None,
    )
    return outcome


def digest_cutoff(now: dt.datetime) -> dt.datetime | None:
    """Today's REMINDER_HOUR, local time, once it has come; None before."""
    local = timezone.localtime(now)
    cutoff = local.replace(hour=settings.REMINDER_HOUR, minute=0, second=0, microsecond=0)
    return cutoff if local >= cutoff else None


def _take_digest_lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DIGEST_LOCK_KEY])
        row = cursor.fetchone()
    return bool(row and row[0])


def _make_digests(cutoff: dt.datetime) -> list[int]:
    """Today's digests for everyone with notifications waiting since before the
    cutoff, and no digest today yet; each waiting notification joins its
    person's. Those of a person whose digest today already went (a notification
    committed just after the digest was made) wait for tomorrow's."""
    day = cutoff.date()
    # Served by notification_digest_wait_idx.
    waiting = Notification.objects.filter(
        email_state=Email.DIGEST, digest__isnull=True, created_at__lt=cutoff
    )
    if not waiting.exists():
        return []
    with transaction.atomic():
        if not _take_digest_lock():
            return []
        recipients = set(waiting.values_list("recipient_id", flat=True).distinct())
        done = set(
            NotificationDigest.objects.filter(day=day, recipient_id__in=recipients).values_list(
                "recipient_id", flat=True
            )
        )
        new = sorted(recipients - done)
        if not new:
            return []
        real_now = timezone.now()
        NotificationDigest.objects.bulk_create(
            [NotificationDigest(recipient_id=pk, day=day, lease_until=real_now) for pk in new]
        )
        waiting.filter(recipient_id__in=new).update(
            digest_id=Subquery(
                NotificationDigest.objects.filter(
                    recipient_id=OuterRef("recipient_id"), day=day
                ).values("pk")[:1]
            )
        )
        ids = list(
            NotificationDigest.objects.filter(day=day, recipient_id__in=new).values_list(
                "pk", flat=True
            )
        )
        _after_commit(_enqueue_digest, ids)
    return ids


@dataclass
class EmailPassResult:
    digests: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    requeued_digests: list[int] = field(default_factory=list)


def notification_email_pass(*, now: dt.datetime | None = None) -> EmailPassResult:
    """The periodic pass of the loop's e-mails (Celery beat, every minute). Safe
    to run twice at once.

    1. Once REMINDER_HOUR has come today (local time), make today's digests of
       the notifications waiting since before it, and enqueue them.
    2. Enqueue again every pending notification e-mail and digest nobody touched
       for REMINDER_REQUEUE_AFTER_SECONDS: its task was lost with Redis, or its
       worker died holding the claim.

    `now` is the calendar clock deciding the day (tests); leases use the real one.
    """
    result = EmailPassResult()
    cutoff = digest_cutoff(now or timezone.now())
    if cutoff is not None:
        result.digests = _make_digests(cutoff)
    with transaction.atomic():
        result.requeued = NOTIFICATION_OUTBOX.take_stale()
        result.requeued_digests = DIGEST_OUTBOX.take_stale()
        _after_commit(lambda pk: _enqueue_send(pk), result.requeued)
        _after_commit(_enqueue_digest, result.requeued_digests)
    return result
