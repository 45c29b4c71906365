"""Deadline reminders (SPEC §8): the dispatch pass, sending, re-planning and stopping.

The database is the queue. `Milestone.next_reminder_at` says when a milestone next
needs the pass (healthchecks' `Check.alert_after`); a `Reminder` row is recorded
once per (milestone, recipient, offset) — a unique constraint — together with its
in-app `Notification`, and is the outbox of its e-mail. Celery only nudges: a task
per reminder claims the row with a lease (a conditional UPDATE whose row count must
be 1), sends, and marks it sent. A claim that is never completed (worker killed,
Redis restarted) expires, and the next pass enqueues the row again, so an e-mail is
never lost; it can go out twice only if a worker dies between the mail server's
acceptance and the UPDATE, and then both copies carry the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.models import Milestone, Notification, Reminder, TeamMembership, User, Visit
from checklists.models.outlines import Responsible
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.reminder_plan import (
    ESCALATION,
    Due,
    Plan,
    Slot,
    due_in_track,
    milestone_plan,
    offset_days,
)
from checklists.wording import localised

logger = logging.getLogger(__name__)

State = Reminder.State
# Sending errors worth another try: the mail server said "later", or could not be
# reached. Anything else is a bug and fails the task loudly.
TRANSIENT_SEND_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)
# The visit's page, served by the web pages (SPEC §9), relative to SITE_URL.
VISIT_PAGE = "/visits/{visit}/"


class ReminderSendError(Exception):
    """Sending failed for a reason that may pass; the task retries with back-off."""


# --- settings -------------------------------------------------------------------------


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def retry_delay(attempts: int) -> dt.timedelta:
    """The back-off after the `attempts`-th failed try; the same curve as Celery's
    `retry_backoff` (factor × 2^retries), so the task's retry arrives as the lease
    this sets runs out."""
    return dt.timedelta(seconds=settings.REMINDER_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 1))


def plan_for(milestone: Milestone) -> Plan:
    return milestone_plan(
        milestone.due_date,
        offsets=settings.REMINDER_OFFSETS,
        escalation_days=settings.REMINDER_ESCALATION_DAYS,
        hour=settings.REMINDER_HOUR,
        tz=_tz(),
    )


# --- the dispatch pass -------------------------------------------------------------------


@dataclass
class DispatchResult:
    milestones: int = 0
    recorded: int = 0
    skipped: int = 0
    requeued: int = 0
    enqueued: list[int] = field(default_factory=list)


Enqueue = Callable[[int], None]


def _enqueue_task(reminder_id: int) -> None:
    from worker.reminder_tasks import reminder_send as reminder_send_task

    reminder_send_task.delay(reminder_id)


def reminder_dispatch_due(
    *, now: dt.datetime | None = None, enqueue: Enqueue | None = None
) -> DispatchResult:
    """One dispatch pass; Celery beat starts it every minute, cron may too
    (`manage.py send_due_reminders`). Safe to run twice at once.

    1. Take a batch of milestones whose `next_reminder_at` has come, locked with
       SKIP LOCKED so a second pass running at the same time takes other rows.
    2. For each, work out which offsets fell due since that instant: the latest one
       still current is recorded as pending, with its in-app notification, for each
       recipient; earlier missed ones are recorded as skipped (catch-up: one
       reminder, not a burst). A milestone met, or of a visit cancelled or closed,
       gets no more reminders.
    3. Move `next_reminder_at` to the milestone's next offset (null: none left) in
       the same transaction, and after commit hand each new reminder to a sending
       task. Repeat until a batch comes back short.
    4. Enqueue again every pending reminder nobody touched for
       REMINDER_REQUEUE_AFTER_SECONDS: its task was lost with Redis, or its worker
       died holding the claim. Redis is only a nudge; this rebuilds what it held.

    `now` is the calendar clock deciding which offsets are due (tests and the
    management command may pass one); leases always use the real clock.
    """
    now = now or timezone.now()
    enqueue = enqueue or _enqueue_task
    result = DispatchResult()
    while True:
        taken = _dispatch_batch(now=now, enqueue=enqueue, result=result)
        if taken < settings.REMINDER_BATCH_SIZE:
            break
    _requeue_stale(enqueue=enqueue, result=result)
    return result


def _due_milestones(now: dt.datetime) -> QuerySet[Milestone]:
    # Served by milestone_next_reminder_idx; `<=` implies NOT NULL, so the planner
    # uses the partial index.
    queryset = (
        Milestone.objects.filter(next_reminder_at__lte=now)
        .select_related("visit__host_unit")
        .only(
            "id",
            "key",
            "title",
            "title_en",
            "due_date",
            "responsible",
            "done_at",
            "next_reminder_at",
            "visit__id",
            "visit__code",
            "visit__title",
            "visit__status",
            "visit__host_unit__id",
            "visit__host_unit__path",
            "visit__host_unit__name",
            "visit__host_unit__name_en",
        )
        .order_by("next_reminder_at", "id")
    )
    if connection.features.has_select_for_update_skip_locked:
        # Lock only the milestones: visits and units are read, not changed.
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    # On SQLite the transaction itself is the lock (BEGIN IMMEDIATE, settings.py).
    return queryset


class _Recipients:
    """Who is reminded, for a batch of milestones, in at most three queries."""

    def __init__(self, milestones: list[Milestone]) -> None:
        sides = {m.responsible for m in milestones}
        visit_ids = {m.visit_id for m in milestones}
        unit_ids = {m.visit.host_unit_id for m in milestones}
        self.team: dict[int, list[int]] = defaultdict(list)
        self.hosts: dict[int, list[int]] = defaultdict(list)
        self.coordinators: list[tuple[int, str | None]] = []
        if Responsible.TEAM in sides:
            for visit_id, user_id in TeamMembership.objects.filter(
                visit_id__in=visit_ids, user__is_active=True
            ).values_list("visit_id", "user_id"):
                self.team[visit_id].append(user_id)
        if Responsible.HOST in sides:
            for unit_id, user_id in User.objects.filter(
                host_unit_id__in=unit_ids, is_active=True
            ).values_list("host_unit_id", "id"):
                self.hosts[unit_id].append(user_id)
        # Coordinators are few; every milestone may escalate, so always loaded.
        # Superusers act as coordinators of everything but are told only if they
        # are coordinators too, so an administrator's inbox is not every deadline's.
        self.coordinators = list(
            User.objects.filter(is_active=True, is_coordinator=True).values_list(
                "id", "coordinator_scope__path"
            )
        )

    def in_scope(self, milestone: Milestone) -> list[int]:
        path = milestone.visit.host_unit.path
        return [uid for uid, scope in self.coordinators if scope is None or path.startswith(scope)]

    def responsible(self, milestone: Milestone) -> list[int]:
        if milestone.responsible == Responsible.HOST:
            return list(self.hosts.get(milestone.visit.host_unit_id, ()))
        if milestone.responsible == Responsible.TEAM:
            return list(self.team.get(milestone.visit_id, ()))
        return self.in_scope(milestone)

    def escalation(self, milestone: Milestone) -> list[int]:
        # Coordinators already reminded daily as the responsible side need no more.
        if milestone.responsible == Responsible.COORDINATOR:
            return []
        return self.in_scope(milestone)


def _dispatch_batch(*, now: dt.datetime, enqueue: Enqueue, result: DispatchResult) -> int:
    real_now = timezone.now()
    # The common case, nothing due, costs one index probe and no transaction.
    if not Milestone.objects.filter(next_reminder_at__lte=now).exists():
        return 0
    with transaction.atomic():
        milestones = list(_due_milestones(now)[: settings.REMINDER_BATCH_SIZE])
        if not milestones:
            return 0
        live = [m for m in milestones if m.done_at is None and m.visit.is_active]
        stopped = [m.pk for m in milestones if m.done_at is None and not m.visit.is_active]
        stopped += [m.pk for m in milestones if m.done_at is not None]
        recipients = _Recipients(live) if live else None
        planned: list[tuple[Milestone, Due, Due]] = []
        next_at: dict[dt.datetime | None, list[int]] = defaultdict(list)
        next_at[None] = list(stopped)
        for milestone in live:
            plan = plan_for(milestone)
            since = milestone.next_reminder_at
            first = since <= REMINDER_REPLAN_AT
            planned.append(
                (
                    milestone,
                    due_in_track(plan.regular, since=since, now=now, first_plan=first),
                    due_in_track(plan.escalation, since=since, now=now, first_plan=first),
                )
            )
            next_at[plan.next_at(now)].append(milestone.pk)

        rows = _new_rows(planned, recipients, real_now=real_now) if recipients else []
        created = Reminder.objects.bulk_create(rows)
        pending = [r for r in created if r.state == State.PENDING]
        _notify(pending)
        for value, ids in next_at.items():
            if ids:
                Milestone.objects.filter(pk__in=ids).update(next_reminder_at=value)
        if stopped:
            _skip_unsent(Q(milestone_id__in=stopped), real_now=real_now)
        ids = [r.pk for r in pending]
        transaction.on_commit(lambda: [enqueue(pk) for pk in ids])
    result.milestones += len(milestones)
    result.recorded += len(pending)
    result.skipped += len(created) - len(pending)
    result.enqueued += ids
    return len(milestones)


def _new_rows(
    planned: list[tuple[Milestone, Due, Due]], recipients: _Recipients, *, real_now: dt.datetime
) -> list[Reminder]:
    """The reminder rows to insert: one per (milestone, recipient, offset) not yet
    recorded. The milestones are locked, so no other pass inserts them meanwhile;
    the unique constraint stays the last word (a clash rolls the batch back)."""
    wanted: list[tuple[Milestone, Slot, int, str]] = []
    for milestone, regular, escalation in planned:
        for due, people in (
            (regular, recipients.responsible(milestone)),
            (escalation, recipients.escalation(milestone)),
        ):
            for slot in due.skip:
                wanted += [(milestone, slot, uid, State.SKIPPED) for uid in people]
            if due.send is not None:
                wanted += [(milestone, due.send, uid, State.PENDING) for uid in people]
    if not wanted:
        return []
    existing = set(
        Reminder.objects.filter(milestone_id__in={m.pk for m, *_ in wanted}).values_list(
            "milestone_id", "recipient_id", "offset"
        )
    )
    rows = []
    for milestone, slot, uid, state in wanted:
        key = (milestone.pk, uid, slot.offset)
        if key in existing:
            continue
        existing.add(key)
        rows.append(
            Reminder(
                milestone=milestone,
                recipient_id=uid,
                offset=slot.offset,
                due_at=slot.at,
                state=state,
                # Claimable at once; the pass re-enqueues it if nobody claims it.
                lease_until=real_now,
            )
        )
    return rows


def _notify(reminders: list[Reminder]) -> None:
    """The in-app notifications of new reminders, in their recipients' languages,
    in the caller's transaction (so both exist, or neither)."""
    if not reminders:
        return
    languages = dict(
        User.objects.filter(pk__in={r.recipient_id for r in reminders}).values_list(
            "id", "language"
        )
    )
    notifications = []
    for reminder in reminders:
        with translation.override(languages.get(reminder.recipient_id) or settings.LANGUAGE_CODE):
            title, body = reminder_text(reminder.milestone, reminder.offset)
        notifications.append(
            Notification(
                recipient_id=reminder.recipient_id,
                title=title[:500],
                body=body,
                milestone_id=reminder.milestone_id,
                visit_id=reminder.milestone.visit_id,
                reminder=reminder,
            )
        )
    Notification.objects.bulk_create(notifications)


def _requeue_stale(*, enqueue: Enqueue, result: DispatchResult) -> None:
    real_now = timezone.now()
    cutoff = real_now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
    # Served by reminder_pending_idx (state = pending, by lease_until).
    stale = Reminder.objects.filter(state=State.PENDING, lease_until__lt=cutoff)
    if not stale.exists():
        return
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            stale = stale.select_for_update(skip_locked=True)
        ids = list(stale.order_by("lease_until").values_list("pk", flat=True)[:5000])
        if not ids:
            return
        # Touch the lease so the next pass does not enqueue them again before the
        # tasks ran; the lease is still in the past, so the tasks can claim them.
        Reminder.objects.filter(pk__in=ids).update(lease_until=real_now)
        transaction.on_commit(lambda: [enqueue(pk) for pk in ids])
    result.requeued += len(ids)
    result.enqueued += ids


# --- sending ---------------------------------------------------------------------------------


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

    No row lock is held across the SMTP exchange: the lease is the claim.
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
    milestone, recipient = reminder.milestone, reminder.recipient
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        title, body = reminder_text(milestone, reminder.offset)
        context = {
            "recipient": recipient,
            "title": title,
            "body": body,
            "visit": milestone.visit,
            "milestone_title": localised(milestone.title, milestone.title_en),
            "due_date": date_format(milestone.due_date, "DATE_FORMAT"),
            "url": settings.SITE_URL + VISIT_PAGE.format(visit=milestone.visit_id),
        }
        text = render_to_string("checklists/email/reminder.txt", context)
    message = EmailMessage(
        subject=title.replace("\n", " "),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Message-ID": message_id},
    )
    with get_connection(fail_silently=False) as mail:
        mail.send_messages([message])


# --- the words ------------------------------------------------------------------------------


def reminder_text(milestone: Milestone, offset: str) -> tuple[str, str]:
    """(title, one-line body) of a reminder, in the active language."""
    visit: Visit = milestone.visit
    names = {
        "milestone": localised(milestone.title, milestone.title_en),
        "visit": str(visit),
        "date": date_format(milestone.due_date, "DATE_FORMAT"),
    }
    if offset == ESCALATION:
        title = _("Overdue: %(milestone)s (%(visit)s)") % names
        body = (
            _("“%(milestone)s” of the visit %(visit)s was due on %(date)s and is not met yet.")
            % names
        )
        return title, body
    days = offset_days(offset)
    title = _("Deadline: %(milestone)s (%(visit)s)") % names
    if days == -1:
        # Its own message, not ngettext's singular: languages with one plural form
        # use that form for every count, so it must carry %(n)s.
        body = _("“%(milestone)s” is due tomorrow, %(date)s.") % names
    elif days < 0:
        body = ngettext(
            "“%(milestone)s” is due in %(n)s day, on %(date)s.",
            "“%(milestone)s” is due in %(n)s days, on %(date)s.",
            -days,
        ) % {**names, "n": -days}
    elif days == 0:
        body = _("“%(milestone)s” is due today, %(date)s.") % names
    else:
        body = ngettext(
            "“%(milestone)s” is %(n)s day overdue: it was due on %(date)s.",
            "“%(milestone)s” is %(n)s days overdue: it was due on %(date)s.",
            days,
        ) % {**names, "n": days}
    return title, body


# --- re-planning and stopping (called by the services that change milestones) ----------


def _skip_unsent(condition: Q, *, real_now: dt.datetime | None = None) -> int:
    """Pending reminders nobody is sending right now become skipped. One being
    sent (its lease runs) is left to finish: it was due, and it is nearly out."""
    real_now = real_now or timezone.now()
    return Reminder.objects.filter(condition, state=State.PENDING, lease_until__lt=real_now).update(
        state=State.SKIPPED
    )


def reminders_replan(*, milestone_ids: Iterable[int]) -> None:
    """A milestone's date moved (or it was reopened): its future reminders follow
    the new date from the next pass on. Offsets already recorded for it are not
    repeated (one reminder per milestone, recipient and offset, SPEC §3)."""
    ids = list(milestone_ids)
    if not ids:
        return
    _skip_unsent(Q(milestone_id__in=ids))
    Milestone.objects.filter(
        pk__in=ids,
        done_at__isnull=True,
        visit__status__in=[s for s in Visit.Status.values if s not in _INACTIVE],
    ).update(next_reminder_at=REMINDER_REPLAN_AT)


def reminders_stop(
    *, milestone_ids: Iterable[int] | None = None, visit_id: int | None = None
) -> None:
    """A milestone was met, or its visit cancelled or closed: no more reminders."""
    if visit_id is not None:
        condition = Q(visit_id=visit_id)
        reminder_condition = Q(milestone__visit_id=visit_id)
    else:
        ids = list(milestone_ids or ())
        if not ids:
            return
        condition, reminder_condition = Q(pk__in=ids), Q(milestone_id__in=ids)
    Milestone.objects.filter(condition).exclude(next_reminder_at=None).update(next_reminder_at=None)
    _skip_unsent(reminder_condition)


_INACTIVE = (Visit.Status.CLOSED, Visit.Status.CANCELLED)


@transaction.atomic
def reminder_retry(*, actor: User | None, reminder: Reminder) -> bool:
    """Give a failed reminder another round of tries (a coordinator's decision, for
    instance after the mail server was fixed). The next pass re-enqueues it: its
    lease is set far enough in the past to count as stale."""
    real_now = timezone.now()
    stale = real_now - dt.timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS + 1)
    updated = Reminder.objects.filter(pk=reminder.pk, state=State.FAILED).update(
        state=State.PENDING, attempts=0, lease_until=stale
    )
    if updated:
        from checklists.services.audit import audit_record

        audit_record(
            actor=actor,
            action="retry",
            obj=reminder,
            visit_id=reminder.milestone.visit_id,
            changes={"state": {"from": State.FAILED, "to": State.PENDING}},
        )
    return bool(updated)


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark an in-app notification read; marking it again keeps the first time."""
    if notification.read_at is None:
        # Conditional, so two clicks at once keep the first time.
        Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification
