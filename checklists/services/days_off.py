"""Declared days: the government's extra days off and make-up working days, and the
deadlines they move (SPEC §3)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy

from checklists.models import DayOff, User, Visit
from checklists.policies import require_coordinator
from checklists.services.audit import audit_record, field_changes
from checklists.services.visits import redate_following_milestones

# A working-day offset rarely spans more than a few months; a declared day can
# only move deadlines counted across it.
DECLARED_DAY_REACH = dt.timedelta(days=400)


# The government's extra days off and make-up days hold for every unit; any
# coordinator may record them (as the admin has always allowed).
DAYS_OFF_REFUSAL = gettext_lazy("Only coordinators declare days off and make-up working days.")


@transaction.atomic
def day_off_declare(
    *, actor: User | None, date: dt.date, name: str, kind: str = DayOff.Kind.DAY_OFF
) -> DayOff:
    """Declare (or change) an extra day off or a make-up working day, then re-date
    the deadlines counted in working days across it. Coordinators declare them."""
    require_coordinator(actor, DAYS_OFF_REFUSAL)
    day = DayOff.objects.filter(date=date).first() or DayOff(date=date, created_by=actor)
    before = {"kind": day.kind, "name": day.name} if day.pk else {}
    day.kind, day.name = kind, name
    day.full_clean()
    day.save()
    audit_record(
        actor=actor,
        action="declare_day",
        obj=day,
        changes=field_changes(before, {"date": date.isoformat(), "kind": kind, "name": name}),
    )
    _redate_across(actor=actor, day=date)
    return day


@transaction.atomic
def day_off_remove(*, actor: User | None, day: DayOff) -> None:
    require_coordinator(actor, DAYS_OFF_REFUSAL)
    date = day.date
    audit_record(
        actor=actor, action="delete", obj=day, changes={"date": date.isoformat(), "name": day.name}
    )
    day.delete()
    _redate_across(actor=actor, day=date)


def _redate_across(*, actor: User | None, day: dt.date) -> None:
    affected = (
        Visit.objects.exclude(status__in=Visit.FINISHED_STATUSES)
        .filter(
            # Both kinds of count: working days skip the day, and calendar days that
            # land on it roll to the next (or previous) working day.
            Q(milestones__offset_working_days__isnull=False)
            | Q(milestones__offset_days__isnull=False),
            milestones__dated_by_hand=False,
            milestones__done_at__isnull=True,
            milestones__due_date__range=(day - DECLARED_DAY_REACH, day + DECLARED_DAY_REACH),
        )
        .distinct()
    )
    for visit in affected:
        moved = redate_following_milestones(visit)
        if moved:
            audit_record(
                actor=actor,
                action="redate",
                obj=visit,
                visit_id=visit.pk,
                changes={"declared_day": day.isoformat(), "moved_milestones": moved},
            )
