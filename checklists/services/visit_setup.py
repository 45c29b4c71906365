"""What a new visit starts with, and the dates it counts by: the checklist and the
deadlines copied from its outline, day 0, and the working-day calendar (SPEC §3).

Apart from checklists.services.visits so that other services (the checklist's
re-dating, the conclusion's deadlines) reach the calendar without importing the
visits' whole service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from django.utils import timezone

from checklists.models import ChecklistItem, DayOff, Milestone, OutlineItem, Visit
from checklists.workdays import WorkCalendar


class HasStart(Protocol):
    """A working session, stored or about to be."""

    @property
    def start(self) -> dt.datetime: ...


def work_calendar() -> WorkCalendar:
    """The working-day calendar with every declared day (a small table)."""
    return WorkCalendar.from_declared(DayOff.objects.values_list("date", "kind"))


def visit_day_zero(sessions: Sequence[HasStart]) -> dt.date:
    """Day 0 of a visit: the local date its first working session starts."""
    return timezone.localdate(min(s.start for s in sessions))


def copy_outline_items(visit: Visit) -> None:
    items = (
        OutlineItem.objects.filter(section__outline_id=visit.outline_id)
        .select_related("section")
        .order_by("section__position", "position")
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            visit=visit,
            origin=ChecklistItem.Origin.OUTLINE,
            outline_item=item,
            section_number=item.section.number,
            section_title=item.section.title,
            section_title_en=item.section.title_en,
            section_position=item.section.position,
            number=item.number,
            position=item.position,
            text=item.text,
            text_en=item.text_en,
            answer_type=item.answer_type,
        )
        for item in items
    )


def copy_outline_milestones(visit: Visit, *, day_zero: dt.date) -> None:
    calendar = work_calendar()
    Milestone.objects.bulk_create(
        Milestone(
            visit=visit,
            outline_milestone=template,
            key=template.key,
            title=template.title,
            title_en=template.title_en,
            responsible=template.responsible,
            offset_days=template.offset_days,
            offset_working_days=template.offset_working_days,
            due_date=dated.date,
            rolled_from=dated.rolled_from,
        )
        for template in visit.outline.milestones.all()
        for dated in [
            calendar.dated(
                day_zero,
                offset_days=template.offset_days,
                offset_working_days=template.offset_working_days,
            )
        ]
    )
