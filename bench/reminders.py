"""The reminder dispatch pass (SPEC §10): with nothing due (p95 ≤ 50 ms), and with
10,000 reminders due (all recorded in ≤ 10 s, none twice).

Everything runs inside `rolled_back()`, so the seeded volume stays as it was:

1. Every open milestone gets a `next_reminder_at` in the future (the day after its
   due date, a stand-in for a planned milestone); the rest none. If the bench
   database predates the column (its migration not generated yet), the column and
   its partial index are added for the run, in the same rolled-back transaction.
2. "Nothing due": the pass at 09:00 local today, timed repeatedly (the seeded
   recommendations planned the same way as the milestones).
3. "10,000 due": enough open milestones of active visits, dated within a week of
   today, are marked for planning that their responsible people (and, where
   overdue, the coordinators' escalation) make at least 10,000 reminders; one pass
   records them, timed once. Then: no (milestone, recipient, offset) twice, one
   notification per pending reminder, and a second pass records nothing.
4. "Nothing due" again, now with those reminders pending in the outbox.

Tasks are never enqueued: the pass's after-commit hooks are dropped with the
rollback, and its enqueue callback only counts.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count

from bench.common import BenchContext, count_queries, log, measure, rolled_back
from checklists.models import Milestone, Notification, Recommendation, Reminder, Visit
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.reminder_plan import milestone_plan
from checklists.services.reminder_dispatch import Recipients, reminder_dispatch_due

TARGET_NOTHING_DUE_P95_MS = 50
TARGET_DUE = 10_000
TARGET_DUE_S = 10.0

ADD_COLUMN = """
ALTER TABLE checklists_milestone ADD COLUMN next_reminder_at timestamptz NULL;
CREATE INDEX milestone_next_reminder_idx ON checklists_milestone (next_reminder_at)
    WHERE next_reminder_at IS NOT NULL;
"""
PLAN_ALL = """
UPDATE checklists_milestone m
SET next_reminder_at = CASE
    WHEN m.done_at IS NULL AND m.due_date >= %s
    THEN ((m.due_date + 1)::timestamp + make_interval(hours => %s)) AT TIME ZONE %s
    END
"""

# The seeded recommendations the same way: open and reported ones planned for the
# day after their due date (the seed leaves them "plan at the next pass", as
# issuing does), so "nothing due" is nothing due for both kinds of obligation.
PLAN_RECOMMENDATIONS = """
UPDATE checklists_recommendation r
SET next_reminder_at = CASE
    WHEN r.state IN ('open', 'reported') AND r.due_date >= %s
    THEN ((r.due_date + 1)::timestamp + make_interval(hours => %s)) AT TIME ZONE %s
    END
"""


def _has_column() -> bool:
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "checklists_milestone")
    return any(column.name == "next_reminder_at" for column in columns)


def _choose_due(now: dt.datetime, today: dt.date) -> tuple[list[int], int]:
    """Milestone ids whose planning at `now` makes at least TARGET_DUE reminders."""
    tz = ZoneInfo(settings.TIME_ZONE)
    candidates = (
        Milestone.objects.filter(
            done_at__isnull=True,
            due_date__range=(today - dt.timedelta(days=6), today + dt.timedelta(days=7)),
        )
        .exclude(visit__status__in=[Visit.Status.CLOSED, Visit.Status.CANCELLED])
        .select_related("visit__host_unit")
        .order_by("id")
    )
    chosen: list[int] = []
    expected = 0
    batch: list[Milestone] = []
    for milestone in candidates.iterator(chunk_size=2000):
        batch.append(milestone)
        if len(batch) < 500:
            continue
        expected = _count(batch, chosen, expected, now=now, tz=tz)
        batch = []
        if expected >= TARGET_DUE:
            break
    if expected < TARGET_DUE and batch:
        expected = _count(batch, chosen, expected, now=now, tz=tz)
    return chosen, expected


def _count(batch, chosen: list[int], expected: int, *, now, tz) -> int:
    recipients = Recipients(batch)
    for milestone in batch:
        if expected >= TARGET_DUE:
            break
        plan = milestone_plan(
            milestone.due_date,
            offsets=settings.REMINDER_OFFSETS,
            escalation_days=settings.REMINDER_ESCALATION_DAYS,
            hour=settings.REMINDER_HOUR,
            tz=tz,
        )
        current = sum(1 for s in plan.regular if s.at <= now < s.until)
        escalating = sum(1 for s in plan.escalation if s.at <= now < s.until)
        n = current * len(recipients.responsible(milestone))
        n += escalating * len(recipients.escalation(milestone))
        if n:
            chosen.append(milestone.pk)
            expected += n
    return expected


def _busiest_day(today: dt.date) -> dt.date:
    """The day from today on whose reminder window (a week either side) holds the
    most open milestones of active visits: the pass's "now" for this bench, so that
    10,000 reminders can fall due at one instant."""
    per_day = dict(
        Milestone.objects.filter(done_at__isnull=True, due_date__gte=today - dt.timedelta(days=7))
        .exclude(visit__status__in=[Visit.Status.CLOSED, Visit.Status.CANCELLED])
        .values_list("due_date")
        .annotate(n=Count("id"))
        .values_list("due_date", "n")
    )
    if not per_day:
        return today
    last = max(per_day)

    def window(day: dt.date) -> int:
        return sum(per_day.get(day + dt.timedelta(days=k), 0) for k in range(-6, 8))

    days = [today + dt.timedelta(days=k) for k in range((last - today).days + 1)]
    return max(days, key=window, default=today)


def run(ctx: BenchContext) -> dict[str, Any]:
    tz = ZoneInfo(settings.TIME_ZONE)
    today = _busiest_day(ctx.today)
    now = dt.datetime.combine(today, dt.time(settings.REMINDER_HOUR + 1), tzinfo=tz)
    result: dict[str, Any] = {"now": now.isoformat()}
    with rolled_back():
        if not _has_column():
            log("reminders: milestone.next_reminder_at has no migration yet; added for this run")
            with connection.cursor() as cursor:
                cursor.execute(ADD_COLUMN)
            result["column_added_for_run"] = True
        with connection.cursor() as cursor:
            plan = [today, settings.REMINDER_HOUR, settings.TIME_ZONE]
            cursor.execute(PLAN_ALL, plan)
            cursor.execute(PLAN_RECOMMENDATIONS, plan)
            cursor.execute("ANALYZE checklists_milestone")
            cursor.execute("ANALYZE checklists_recommendation")
        planned = Milestone.objects.filter(next_reminder_at__isnull=False).count()
        planned_recommendations = Recommendation.objects.filter(
            next_reminder_at__isnull=False
        ).count()

        def nothing_due() -> None:
            outcome = reminder_dispatch_due(now=now, enqueue=lambda pk: None)
            assert outcome.recorded == outcome.requeued == 0, outcome

        queries, _, sql = count_queries(nothing_due)
        result["nothing_due"] = {
            "milestones_planned": planned,
            "recommendations_planned": planned_recommendations,
            "queries": queries,
            **measure(nothing_due, repeat=ctx.repeat, warmup=ctx.warmup),
            "sql": sql,
        }

        chosen, expected = _choose_due(now, today)
        Milestone.objects.filter(pk__in=chosen).update(next_reminder_at=REMINDER_REPLAN_AT)
        enqueued: list[int] = []
        started = time.perf_counter()
        outcome = reminder_dispatch_due(now=now, enqueue=enqueued.append)
        elapsed = time.perf_counter() - started
        twice = (
            Reminder.objects.values("milestone", "recipient", "offset")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        pending = Reminder.objects.filter(state=Reminder.State.PENDING).count()
        notifications = Notification.objects.filter(reminder__isnull=False).count()
        again = reminder_dispatch_due(now=now, enqueue=lambda pk: None)
        result["due"] = {
            "milestones": len(chosen),
            "expected_reminders": expected,
            "recorded": outcome.recorded,
            "skipped": outcome.skipped,
            "seconds": round(elapsed, 3),
            "reminders_per_second": round(outcome.recorded / elapsed) if elapsed else None,
            "recorded_twice": twice,
            "notifications": notifications,
            "pending_rows": pending,
            "second_pass_recorded": again.recorded,
            "batch_size": settings.REMINDER_BATCH_SIZE,
        }
        result["nothing_due_with_outbox"] = measure(
            nothing_due, repeat=ctx.repeat, warmup=ctx.warmup
        )
    due = result["due"]
    result["targets"] = {
        "nothing_due_p95_ms_max": TARGET_NOTHING_DUE_P95_MS,
        "due_reminders_min": TARGET_DUE,
        "due_seconds_max": TARGET_DUE_S,
    }
    result["meets_target"] = (
        result["nothing_due"]["p95_ms"] <= TARGET_NOTHING_DUE_P95_MS
        and due["recorded"] >= TARGET_DUE
        and due["seconds"] <= TARGET_DUE_S
        and due["recorded_twice"] == 0
        and due["notifications"] == due["pending_rows"] == due["recorded"]
        and due["second_pass_recorded"] == 0
    )
    return result
