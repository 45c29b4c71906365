"""The reminder dispatch pass (SPEC §8, §11): record the reminders that fell due,
with their in-app notifications, and hand each to a sending task.

The database is the queue. `next_reminder_at` says when a dated obligation (a
milestone, or a recommendation's deadline: checklists.services.reminder_obligations)
next needs the pass (checklists.services.reminder_planning); a `Reminder` row is
recorded once per (obligation, recipient, offset) — a partial unique constraint
per kind — together with its in-app `Notification`, and is the outbox of its
e-mail, which
checklists.services.reminder_delivery sends. Celery only nudges: the pass rebuilds
any task Redis lost.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation

from checklists.models import Milestone, Notification, Recommendation, Reminder, User
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.reminder_plan import Due, Slot, due_in_track
from checklists.services.reminder_obligations import (
    MILESTONES,
    OBLIGATIONS,
    RECOMMENDATIONS,
    Obligations,
    Recipients,
    RecommendationRecipients,
)
from checklists.services.reminder_planning import plan_for, reminders_skip_unsent
from checklists.services.reminder_wording import reminder_page, reminder_text

State = Reminder.State
Obligation = Milestone | Recommendation

__all__ = ["DispatchResult", "Recipients", "reminder_dispatch_due"]


@dataclass
class DispatchResult:
    milestones: int = 0
    recommendations: int = 0
    recorded: int = 0
    skipped: int = 0
    requeued: int = 0
    enqueued: list[int] = field(default_factory=list)


Enqueue = Callable[[int], None]


def _enqueue_task(reminder_id: int) -> None:
    # The one import of the worker from the domain (declared in .importlinter): the
    # pass enqueues its own sending task after commit. Imported here, not at the
    # top, because the task module imports this one.
    from worker.reminder_tasks import reminder_send as reminder_send_task

    reminder_send_task.delay(reminder_id)


def _enqueue_after_commit(enqueue: Enqueue, ids: list[int]) -> None:
    """Hand the reminders to their tasks once the rows are committed, so that no
    task runs before its row exists (or for a row rolled back)."""

    def run() -> None:
        for pk in ids:
            enqueue(pk)

    transaction.on_commit(run)


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
    4. The same for recommendations' deadlines (open or reported ones, whatever
       their visit's status), with the same offsets.
    5. Enqueue again every pending reminder nobody touched for
       REMINDER_REQUEUE_AFTER_SECONDS: its task was lost with Redis, or its worker
       died holding the claim. Redis is only a nudge; this rebuilds what it held.

    `now` is the calendar clock deciding which offsets are due (tests and the
    management command may pass one); leases always use the real clock.
    """
    now = now or timezone.now()
    enqueue = enqueue or _enqueue_task
    result = DispatchResult()
    for kind in OBLIGATIONS:
        while True:
            taken = _dispatch_batch(kind, now=now, enqueue=enqueue, result=result)
            if taken < settings.REMINDER_BATCH_SIZE:
                break
    _requeue_stale(enqueue=enqueue, result=result)
    return result


def _dispatch_batch(
    kind: Obligations, *, now: dt.datetime, enqueue: Enqueue, result: DispatchResult
) -> int:
    real_now = timezone.now()
    if not kind.any_due(now):
        return 0
    with transaction.atomic():
        rows = kind.due(now, settings.REMINDER_BATCH_SIZE)
        if not rows:
            return 0
        live = [row for row in rows if kind.live(row)]
        stopped = [row.pk for row in rows if not kind.live(row)]
        recipients = kind.recipients(live) if live else None
        planned: list[tuple[Obligation, Due, Due]] = []
        next_at: dict[dt.datetime | None, list[int]] = defaultdict(list)
        next_at[None] = list(stopped)
        for row in live:
            plan = plan_for(row)
            since = row.next_reminder_at
            assert since is not None  # the batch's filter: next_reminder_at <= now
            first = since <= REMINDER_REPLAN_AT
            planned.append(
                (
                    row,
                    due_in_track(plan.regular, since=since, now=now, first_plan=first),
                    due_in_track(plan.escalation, since=since, now=now, first_plan=first),
                )
            )
            next_at[plan.next_at(now)].append(row.pk)

        new = _new_rows(kind, planned, recipients, real_now=real_now) if recipients else []
        created = Reminder.objects.bulk_create(new)
        pending = [r for r in created if r.state == State.PENDING]
        _notify(kind, pending)
        for value, ids in next_at.items():
            if ids:
                kind.model._default_manager.filter(pk__in=ids).update(next_reminder_at=value)
        if stopped:
            reminders_skip_unsent(Q(**{f"{kind.field}_id__in": stopped}), real_now=real_now)
        enqueued = [r.pk for r in pending]
        _enqueue_after_commit(enqueue, enqueued)
    if kind is MILESTONES:
        result.milestones += len(rows)
    else:
        result.recommendations += len(rows)
    result.recorded += len(pending)
    result.skipped += len(created) - len(pending)
    result.enqueued += enqueued
    return len(rows)


def _new_rows(
    kind: Obligations,
    planned: list[tuple[Obligation, Due, Due]],
    recipients: Recipients | RecommendationRecipients,
    *,
    real_now: dt.datetime,
) -> list[Reminder]:
    """The reminder rows to insert: one per (obligation, recipient, offset) not yet
    recorded. The obligations are locked, so no other pass inserts them meanwhile;
    the unique constraints stay the last word (a clash rolls the batch back)."""
    wanted: list[tuple[Obligation, Slot, int, str]] = []
    for row, regular, escalation in planned:
        for due, people in (
            (regular, recipients.responsible(row)),  # type: ignore[arg-type]
            (escalation, recipients.escalation(row)),  # type: ignore[arg-type]
        ):
            for slot in due.skip:
                wanted += [(row, slot, uid, State.SKIPPED) for uid in people]
            if due.send is not None:
                wanted += [(row, due.send, uid, State.PENDING) for uid in people]
    if not wanted:
        return []
    key_field = f"{kind.field}_id"
    existing = set(
        Reminder.objects.filter(**{f"{key_field}__in": {row.pk for row, *_ in wanted}}).values_list(
            key_field, "recipient_id", "offset"
        )
    )
    rows = []
    for row, slot, uid, state in wanted:
        key = (row.pk, uid, slot.offset)
        if key in existing:
            continue
        existing.add(key)
        rows.append(
            Reminder(
                **{kind.field: row},
                recipient_id=uid,
                offset=slot.offset,
                due_at=slot.at,
                state=state,
                # Claimable at once; the pass re-enqueues it if nobody claims it.
                lease_until=real_now,
            )
        )
    return rows


def _notify(kind: Obligations, reminders: list[Reminder]) -> None:
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
        obligation: Obligation = getattr(reminder, kind.field)
        with translation.override(languages.get(reminder.recipient_id) or settings.LANGUAGE_CODE):
            title, body = reminder_text(
                obligation, reminder.offset, today=timezone.localdate(reminder.due_at)
            )
        notifications.append(
            Notification(
                recipient_id=reminder.recipient_id,
                title=title[:500],
                body=body,
                **{f"{kind.field}_id": obligation.pk},
                visit_id=obligation.visit_id,
                # A milestone's reminder leads to its visit (Notification.link);
                # a recommendation's to its own page.
                url=reminder_page(obligation) if kind is RECOMMENDATIONS else "",
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
        _enqueue_after_commit(enqueue, ids)
    result.requeued += len(ids)
    result.enqueued += ids
