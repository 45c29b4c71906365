"""The reminder dispatch pass (SPEC §8): record the reminders that fell due, with
their in-app notifications, and hand each to a sending task.

The database is the queue. `Milestone.next_reminder_at` says when a milestone next
needs the pass (checklists.services.reminder_planning); a `Reminder` row is recorded
once per (milestone, recipient, offset) — a unique constraint — together with its
in-app `Notification`, and is the outbox of its e-mail, which
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
from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from checklists.models import Milestone, Notification, Reminder, TeamMembership, User
from checklists.models.outlines import Responsible
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.reminder_plan import Due, Slot, due_in_track
from checklists.services.reminder_planning import plan_for, reminders_skip_unsent
from checklists.services.reminder_wording import reminder_text

State = Reminder.State


@dataclass
class DispatchResult:
    milestones: int = 0
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


class Recipients:
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
        recipients = Recipients(live) if live else None
        planned: list[tuple[Milestone, Due, Due]] = []
        next_at: dict[dt.datetime | None, list[int]] = defaultdict(list)
        next_at[None] = list(stopped)
        for milestone in live:
            plan = plan_for(milestone)
            since = milestone.next_reminder_at
            assert since is not None  # the batch's filter: next_reminder_at <= now
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
        for value, milestone_ids in next_at.items():
            if milestone_ids:
                Milestone.objects.filter(pk__in=milestone_ids).update(next_reminder_at=value)
        if stopped:
            reminders_skip_unsent(Q(milestone_id__in=stopped), real_now=real_now)
        ids = [r.pk for r in pending]
        _enqueue_after_commit(enqueue, ids)
    result.milestones += len(milestones)
    result.recorded += len(pending)
    result.skipped += len(created) - len(pending)
    result.enqueued += ids
    return len(milestones)


def _new_rows(
    planned: list[tuple[Milestone, Due, Due]], recipients: Recipients, *, real_now: dt.datetime
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
            title, body = reminder_text(
                reminder.milestone, reminder.offset, today=timezone.localdate(reminder.due_at)
            )
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
        _enqueue_after_commit(enqueue, ids)
    result.requeued += len(ids)
    result.enqueued += ids
