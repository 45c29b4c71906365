"""When a dated obligation's reminders fall due (SPEC §8, §11), and the two
changes other services make to that: re-planning after a date moved, stopping
when a milestone is met or its visit is over, or a recommendation leaves the
open states.

`next_reminder_at` (on Milestone and on Recommendation) is the schedule
(healthchecks' `Check.alert_after`): the dispatch pass
(checklists.services.reminder_dispatch) takes the obligations whose instant has
come. Re-planning sets it to REMINDER_REPLAN_AT, "plan me at the next pass", so
that the pass, which knows the offsets already recorded, works out the rest;
stopping clears it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from checklists.models import Milestone, Recommendation, Reminder, Visit
from checklists.models.visits import REMINDER_REPLAN_AT
from checklists.reminder_plan import Plan, milestone_plan

State = Reminder.State


def plan_for(obligation: Milestone | Recommendation) -> Plan:
    """The reminder instants of a milestone or a recommendation's deadline (the
    same for both: SPEC §11), from the settings of SPEC §8."""
    assert obligation.due_date is not None  # only dated obligations are planned
    return milestone_plan(
        obligation.due_date,
        offsets=settings.REMINDER_OFFSETS,
        escalation_days=settings.REMINDER_ESCALATION_DAYS,
        hour=settings.REMINDER_HOUR,
        tz=ZoneInfo(settings.TIME_ZONE),
    )


def reminders_skip_unsent(condition: Q, *, real_now: dt.datetime | None = None) -> int:
    """Pending reminders nobody is sending right now become skipped. One being
    sent (its lease runs) is left to finish: it was due, and it is nearly out."""
    real_now = real_now or timezone.now()
    return Reminder.objects.filter(condition, state=State.PENDING, lease_until__lt=real_now).update(
        state=State.SKIPPED
    )


def reminders_replan(*, milestone_ids: Iterable[int]) -> None:
    """A milestone's date moved (or it was reopened): its future reminders follow
    the new date from the next pass on. Offsets already recorded for it are not
    repeated (one reminder per milestone, recipient and offset, SPEC §3).

    No actor: the service that moved the date checked its caller already."""
    ids = list(milestone_ids)
    if not ids:
        return
    reminders_skip_unsent(Q(milestone_id__in=ids))
    Milestone.objects.filter(
        pk__in=ids,
        done_at__isnull=True,
        visit__status__in=[s for s in Visit.Status.values if s not in Visit.FINISHED_STATUSES],
    ).update(next_reminder_at=REMINDER_REPLAN_AT)


def reminders_stop(
    *, milestone_ids: Iterable[int] | None = None, visit_id: int | None = None
) -> None:
    """A milestone was met, or its visit cancelled or closed: no more reminders.

    No actor: the service that met the milestone or ended the visit checked its
    caller already."""
    if visit_id is not None:
        condition = Q(visit_id=visit_id)
        reminder_condition = Q(milestone__visit_id=visit_id)
    else:
        ids = list(milestone_ids or ())
        if not ids:
            return
        condition, reminder_condition = Q(pk__in=ids), Q(milestone_id__in=ids)
    Milestone.objects.filter(condition).exclude(next_reminder_at=None).update(next_reminder_at=None)
    reminders_skip_unsent(reminder_condition)


def recommendation_reminders_replan(*, recommendation_ids: Iterable[int]) -> None:
    """Recommendations opened (the conclusion issued) or given a new date (an
    extension): planned from the next pass on; offsets already recorded are not
    repeated. Only open or reported ones are planned.

    No actor: the service that opened or extended them checked its caller."""
    ids = list(recommendation_ids)
    if not ids:
        return
    reminders_skip_unsent(Q(recommendation_id__in=ids))
    Recommendation.objects.filter(pk__in=ids, state__in=Recommendation.PENDING_STATES).update(
        next_reminder_at=REMINDER_REPLAN_AT
    )


def recommendation_reminders_stop(*, recommendation_ids: Iterable[int]) -> None:
    """Recommendations done, cancelled or back to draft (a withdrawn conclusion):
    no more reminders. Whatever forgets to call this is caught by the pass and by
    the sender, which both read the recommendation's state.

    No actor: the service that changed them checked its caller."""
    ids = list(recommendation_ids)
    if not ids:
        return
    Recommendation.objects.filter(pk__in=ids).exclude(next_reminder_at=None).update(
        next_reminder_at=None
    )
    reminders_skip_unsent(Q(recommendation_id__in=ids))
