"""Checklist items and milestones of a visit.

Every service that acts for a person checks checklists.policies first (an actor
of None is the system); the text limits are checklists.limits', so every door
(API, pages, admin) refuses the same input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.errors import StaleObjectError
from checklists.limits import (
    MAX_ANSWER_TEXT,
    MAX_FINDING_TEXT,
    MAX_ITEM_TEXT,
    MAX_NOTE_TEXT,
)
from checklists.models import AnswerType, ChecklistItem, Milestone, User, Visit
from checklists.numbers import parse_number
from checklists.policies import Capability, authorize, authorize_mark
from checklists.services.audit import audit_record, field_changes
from checklists.services.reminder_planning import reminders_replan, reminders_stop
from checklists.services.visit_setup import visit_day_zero, work_calendar

# The visit's own items ("additional contents" a team asks of one host) go into
# this section unless the caller names another.
ADDITIONAL_SECTION_NUMBER = "BS"
ADDITIONAL_SECTION_TITLE = "Nội dung bổ sung"
ADDITIONAL_SECTION_TITLE_EN = "Additional contents"

ITEM_EDITABLE_FIELDS = ("answer", "status", "assignee", "due_date", "finding", "internal_note")

# Free text a person types, and how long it may be.
TEXT_LIMITS = {
    "answer": MAX_ANSWER_TEXT,
    "finding": MAX_FINDING_TEXT,
    "internal_note": MAX_NOTE_TEXT,
    "text": MAX_ITEM_TEXT,
    "text_en": MAX_ITEM_TEXT,
}


def too_long_message(limit: int) -> str:
    return _("Give at most %(limit)s characters.") % {"limit": limit}


def _check_lengths(values: dict[str, Any]) -> None:
    """Refuse text longer than its limit, naming each field (400, like the API's
    serializers, which say the same before the service is reached)."""
    errors = {
        name: too_long_message(TEXT_LIMITS[name])
        for name, value in values.items()
        if name in TEXT_LIMITS and isinstance(value, str) and len(value) > TEXT_LIMITS[name]
    }
    if errors:
        raise ValidationError(errors)


def checklist_answer_clean(answer_type: str, value: Any, *, language: str | None = None) -> Any:
    """The answer in the shape its type stores, or a ValidationError saying why not.

    A number sent as text is read in the person's language (the active one unless
    `language` says otherwise: the page's, or the API request's), so `4.486` is
    4486 in Vietnamese; a JSON number is taken as it is."""
    if value is None or value == "":
        return None
    if answer_type == AnswerType.NUMBER:
        if isinstance(value, bool):
            raise ValidationError({"answer": _("This item takes a number.")})
        if isinstance(value, str):
            try:
                number = parse_number(value, language=language)
            except ValidationError as unreadable:
                raise ValidationError(
                    {"answer": [_("This item takes a number."), *unreadable.messages]}
                ) from None
        elif isinstance(value, int | float | Decimal):
            number = Decimal(str(value))
        else:
            raise ValidationError({"answer": _("This item takes a number.")})
        if not number.is_finite():
            raise ValidationError({"answer": _("This item takes a finite number.")})
        return int(number) if number == number.to_integral_value() else float(number)
    if answer_type == AnswerType.YES_NO:
        if isinstance(value, bool):
            return value
        raise ValidationError({"answer": _("This item takes yes (true) or no (false).")})
    if not isinstance(value, str):
        raise ValidationError({"answer": _("This item takes text.")})
    _check_lengths({"answer": value})
    return value


def _validate_assignee(visit: Visit, assignee: User | None) -> None:
    if assignee is not None and not visit.team.filter(user=assignee).exists():
        raise ValidationError(
            {"assignee": _("%(person)s is not on this visit's team.") % {"person": assignee}}
        )


@transaction.atomic
def checklist_item_add(
    *,
    actor: User | None,
    visit: Visit,
    text: str,
    text_en: str = "",
    answer_type: str = AnswerType.TEXT,
    section_number: str = ADDITIONAL_SECTION_NUMBER,
    section_title: str = "",
    section_title_en: str = "",
    number: str = "",
    assignee: User | None = None,
    due_date: dt.date | None = None,
) -> ChecklistItem:
    """Add an item of the visit's own. Numbers continue the section's numbering."""
    authorize(actor, visit, Capability.EDIT_CHECKLIST)
    _check_lengths({"text": text, "text_en": text_en})
    # Serialise additions to one visit so two simultaneous additions do not take
    # the same number.
    Visit.objects.select_for_update().filter(pk=visit.pk).first()
    same_section = visit.checklist.filter(section_number=section_number)
    existing = same_section.order_by("position").first()
    if existing is not None:
        section_title = section_title or existing.section_title
        section_title_en = section_title_en or existing.section_title_en
        section_position = existing.section_position
    else:
        if section_number == ADDITIONAL_SECTION_NUMBER:
            section_title = section_title or ADDITIONAL_SECTION_TITLE
            section_title_en = section_title_en or ADDITIONAL_SECTION_TITLE_EN
        section_position = (visit.checklist.aggregate(m=Max("section_position"))["m"] or 0) + 1
    position = (same_section.aggregate(m=Max("position"))["m"] or 0) + 1
    if not number:
        number = str(same_section.count() + 1)
    _validate_assignee(visit, assignee)
    item = ChecklistItem(
        visit=visit,
        origin=ChecklistItem.Origin.VISIT,
        section_number=section_number,
        section_title=section_title,
        section_title_en=section_title_en,
        section_position=section_position,
        number=number,
        position=position,
        text=text,
        text_en=text_en,
        answer_type=answer_type,
        assignee=assignee,
        due_date=due_date,
    )
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        action="create",
        obj=item,
        visit_id=visit.pk,
        changes={"section": section_number, "number": number, "text": text},
    )
    return item


@transaction.atomic
def checklist_item_update(
    *,
    actor: User | None,
    item: ChecklistItem,
    expected_version: int | None = None,
    **changes: Any,
) -> ChecklistItem:
    """Change an item's answer, status, assignee, due date, finding or note.

    With `expected_version`, the write happens only if nobody changed the item
    since the caller read it (a conditional UPDATE); otherwise StaleObjectError.
    """
    authorize(actor, item.visit, Capability.EDIT_CHECKLIST)
    unknown = set(changes) - set(ITEM_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    _check_lengths(changes)
    if "answer" in changes:
        changes["answer"] = checklist_answer_clean(item.answer_type, changes["answer"])
    if "assignee" in changes:
        _validate_assignee(item.visit, changes["assignee"])
    before = {name: getattr(item, name) for name in changes}
    for name, value in changes.items():
        setattr(item, name, value)
    item.full_clean(exclude=["visit", "outline_item"])
    diff = field_changes(before, changes)
    if not diff:
        return item
    rows = ChecklistItem.objects.filter(pk=item.pk)
    if expected_version is not None:
        rows = rows.filter(row_version=expected_version)
    updated = rows.update(**changes, row_version=F("row_version") + 1, updated_at=timezone.now())
    if updated != 1:
        current = ChecklistItem.objects.values_list("row_version", flat=True).get(pk=item.pk)
        raise StaleObjectError(
            _("This checklist item was changed by someone else. Reload it and try again."),
            current_version=current,
        )
    item.refresh_from_db()
    audit_record(
        actor=actor,
        action="update",
        obj=item,
        visit_id=item.visit_id,
        changes={
            name: {
                "from": getattr(value["from"], "pk", value["from"]),
                "to": getattr(value["to"], "pk", value["to"]),
            }
            for name, value in diff.items()
        },
    )
    return item


@transaction.atomic
def milestone_reschedule(
    *, actor: User | None, milestone: Milestone, due_date: dt.date | None
) -> Milestone:
    """Date a milestone by hand; it then stays put when the sessions move.

    `due_date=None` hands it back to the outline's offset, so it follows the
    sessions again.
    """
    authorize(actor, milestone.visit, Capability.PLAN)
    old_date = milestone.due_date
    if due_date is None:
        if milestone.offset_days is None and milestone.offset_working_days is None:
            raise ValidationError(
                {"due_date": _("This milestone has no offset to follow; give it a date.")}
            )
        due_date, milestone.rolled_from = work_calendar().dated(
            visit_day_zero(list(milestone.visit.sessions.all())),
            offset_days=milestone.offset_days,
            offset_working_days=milestone.offset_working_days,
        )
        milestone.dated_by_hand = False
    else:
        # A date a person chose stays where they put it.
        milestone.dated_by_hand, milestone.rolled_from = True, None
    milestone.due_date = due_date
    if due_date != old_date:
        milestone.sequence += 1
    milestone.save(
        update_fields=["due_date", "dated_by_hand", "rolled_from", "sequence", "updated_at"]
    )
    if due_date != old_date:
        # Reminders: the future ones follow the new date (checklists.services.reminder_planning).
        reminders_replan(milestone_ids=[milestone.pk])
    audit_record(
        actor=actor,
        action="reschedule",
        obj=milestone,
        visit_id=milestone.visit_id,
        changes={
            "due_date": {"from": old_date.isoformat(), "to": due_date.isoformat()},
            "dated_by_hand": milestone.dated_by_hand,
        },
    )
    return milestone


@transaction.atomic
def milestone_mark_done(
    *, actor: User | None, milestone: Milestone, done: bool = True, at: dt.datetime | None = None
) -> Milestone:
    """Mark a deadline as met (or, with done=False, as not met after all): the side
    responsible for it, or a coordinator (checklists.policies.authorize_mark)."""
    authorize_mark(actor, milestone)
    return milestone_meet(actor=actor, milestone=milestone, done=done, at=at)


@transaction.atomic
def milestone_meet(
    *, actor: User | None, milestone: Milestone, done: bool = True, at: dt.datetime | None = None
) -> Milestone:
    """Record a deadline as met without asking whether the actor may mark deadlines:
    for services whose own step meets it, and that checked that step (a host
    contact uploading the draft report meets "draft report submitted")."""
    if done == (milestone.done_at is not None):
        return milestone
    milestone.done_at = (at or timezone.now()) if done else None
    milestone.done_by = actor if done else None
    milestone.save(update_fields=["done_at", "done_by", "updated_at"])
    # Reminders: a met deadline stops them; a reopened one is planned again.
    if done:
        reminders_stop(milestone_ids=[milestone.pk])
    else:
        reminders_replan(milestone_ids=[milestone.pk])
    audit_record(
        actor=actor,
        action="done" if done else "reopen",
        obj=milestone,
        visit_id=milestone.visit_id,
        changes={"done_at": milestone.done_at},
    )
    return milestone


@transaction.atomic
def milestone_add(
    *,
    actor: User | None,
    visit: Visit,
    key: str,
    title: str,
    due_date: dt.date,
    responsible: str,
    title_en: str = "",
) -> Milestone:
    """A deadline of the visit's own, dated by hand. Its key is unique within the
    visit (a 400 on `key`, before the database constraint would say it)."""
    authorize(actor, visit, Capability.PLAN)
    if visit.milestones.filter(key=key).exists():
        raise ValidationError({"key": _("This visit already has a milestone with this key.")})
    milestone = Milestone(
        visit=visit,
        key=key,
        title=title,
        title_en=title_en,
        due_date=due_date,
        responsible=responsible,
        dated_by_hand=True,
    )
    milestone.full_clean()
    milestone.save()
    audit_record(
        actor=actor,
        action="create",
        obj=milestone,
        visit_id=visit.pk,
        changes={"key": key, "due_date": due_date.isoformat(), "responsible": responsible},
    )
    return milestone
