"""Recommendations (kiến nghị, SPEC §11): written in the conclusion's draft, opened
with their due dates when it is issued, put back to draft when it is withdrawn,
extended or cancelled by the team's lead or deputy or a coordinator.

The steps the conclusion's services call (`recommendations_replace`,
`recommendations_open`, `recommendations_to_draft`) take no actor: the
conclusion's service checked the act they are part of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from checklists.errors import Conflict, NotAllowed, NotFound
from checklists.limits import (
    MAX_DECISION_REF,
    MAX_REASON_TEXT,
    MAX_RECOMMENDATION_OFFSET,
    MAX_RECOMMENDATION_TEXT,
    MAX_RECOMMENDATIONS,
)
from checklists.models import Conclusion, ImplementationReport, Recommendation, Unit, Visit
from checklists.policies import PERMISSION_MESSAGES, Capability, Person
from checklists.selectors.conclusions import recommendation_access, sees_recommendation
from checklists.services.audit import audit_record
from checklists.services.reminder_planning import (
    recommendation_reminders_replan,
    recommendation_reminders_stop,
)
from checklists.validators import one_line
from checklists.workdays import WorkCalendar

State = Recommendation.State


@dataclass(frozen=True)
class RecommendationInput:
    """One recommendation of the draft's list, as the PUT gives it (`id` for an
    existing one of this draft, None for a new one)."""

    text: str
    addressee: Unit | None
    kind: str = Recommendation.Kind.REMEDY
    section: str = ""
    due_date: dt.date | None = None
    offset_days: int | None = None
    offset_working_days: int | None = None
    id: int | None = None


def recommendation_code(position: int) -> str:
    """KN-01, KN-02 … KN-99, KN-100: the codes in the order of the list."""
    return f"KN-{position:02d}"


def _validate_item(
    index: int,
    item: RecommendationInput,
    *,
    host: Unit,
    sections: set[str],
    known: dict[int, Recommendation],
    errors: dict[str, list[str]],
) -> None:
    def refuse(field: str, message: str) -> None:
        errors.setdefault(f"recommendations[{index}].{field}", []).append(message)

    if item.id is not None and item.id not in known:
        refuse("id", _("This draft has no recommendation with id %(id)s.") % {"id": item.id})
    if not item.text.strip():
        refuse("text", _("Write what is recommended."))
    elif len(item.text) > MAX_RECOMMENDATION_TEXT:
        refuse("text", _("Give at most %(limit)s characters.") % {"limit": MAX_RECOMMENDATION_TEXT})
    if item.kind not in Recommendation.Kind.values:
        refuse(
            "kind",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Recommendation.Kind.values)},
        )
    if item.addressee is None:
        refuse("addressee", _("Name the unit the recommendation is addressed to."))
    elif not item.addressee.is_within(host):
        # The unit is not named: its id may be one the person does not see.
        refuse(
            "addressee",
            _("Address it to the host unit (%(host)s) or a unit under it.") % {"host": host},
        )
    if item.section and item.section not in sections:
        refuse(
            "section",
            _("This conclusion has no section “%(number)s”.") % {"number": item.section},
        )
    deadlines = [
        name
        for name in ("due_date", "offset_days", "offset_working_days")
        if getattr(item, name) is not None
    ]
    if len(deadlines) != 1:
        refuse(
            "due_date",
            _("Give the deadline one way: due_date, offset_days or offset_working_days."),
        )
    for name in ("offset_days", "offset_working_days"):
        value = getattr(item, name)
        if value is not None and not 1 <= value <= MAX_RECOMMENDATION_OFFSET:
            refuse(
                name,
                _("Give a number of days from 1 to %(limit)s.")
                % {"limit": MAX_RECOMMENDATION_OFFSET},
            )
    try:
        one_line(item.section)
    except ValidationError as error:
        errors.setdefault(f"recommendations[{index}].section", []).extend(error.messages)


def recommendations_replace(
    *, conclusion: Conclusion, items: Sequence[RecommendationInput]
) -> list[dict[str, Any]]:
    """Make the draft's recommendations exactly `items`: matched by id, new ones
    created, missing ones removed, all coded in the order given. Returns what
    changed, for the audit trail; refuses the whole list when one is wrong."""
    if len(items) > MAX_RECOMMENDATIONS:
        raise ValidationError(
            {
                "recommendations": _("A conclusion has at most %(limit)s recommendations.")
                % {"limit": MAX_RECOMMENDATIONS}
            }
        )
    host = conclusion.visit.host_unit
    known = {r.pk: r for r in conclusion.recommendations.select_for_update()}
    sections = set(conclusion.sections.values_list("number", flat=True))
    errors: dict[str, list[str]] = {}
    ids = [item.id for item in items if item.id is not None]
    for index, item in enumerate(items):
        _validate_item(index, item, host=host, sections=sections, known=known, errors=errors)
        if item.id is not None and ids.count(item.id) > 1:
            errors.setdefault(f"recommendations[{index}].id", []).append(
                _("This recommendation is given twice.")
            )
    if errors:
        raise ValidationError(errors)
    removed = [pk for pk in known if pk not in ids]
    Recommendation.objects.filter(pk__in=removed).delete()
    changes: list[dict[str, Any]] = [{"removed": known[pk].code} for pk in removed]
    for position, item in enumerate(items, start=1):
        values = {
            "code": recommendation_code(position),
            "position": position,
            "text": item.text,
            "kind": item.kind,
            "section": item.section,
            "addressee_id": item.addressee.pk if item.addressee is not None else None,
            "due_date": item.due_date,
            "offset_days": item.offset_days,
            "offset_working_days": item.offset_working_days,
            # A date counted from the issue is known only then.
            "rolled_from": None,
        }
        if item.id is None:
            row = Recommendation.objects.create(
                conclusion=conclusion, visit_id=conclusion.visit_id, **values
            )
            changes.append({"created": row.code, "text": item.text})
            continue
        row = known[item.id]
        before = {name: getattr(row, name) for name in values}
        if before != values:
            for name, value in values.items():
                setattr(row, name, value)
            row.save(update_fields=[*values.keys(), "updated_at"])
            changes.append(
                {
                    "changed": row.code,
                    **{
                        name: str(value)
                        for name, value in values.items()
                        if before[name] != value and name != "position"
                    },
                }
            )
    return changes


def recommendations_open(
    *, conclusion: Conclusion, issued_on: dt.date, calendar: WorkCalendar
) -> list[dict[str, Any]]:
    """Open the draft's recommendations as the conclusion is issued on `issued_on`,
    each due on its date: counted in calendar days (moved to the next working day
    when it lands on a day off, `rolled_from` keeping that day, SPEC §3) or in
    working days from the issue date, or the date given (not before the issue).
    Returns the recommendations as issued (kept on the conclusion)."""
    rows = list(conclusion.recommendations.select_for_update().order_by("position", "id"))
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        if row.offset_days is None and row.offset_working_days is None:
            if row.due_date is None:
                errors[f"recommendations[{index}].due_date"] = [
                    _("%(code)s has no deadline.") % {"code": row.code}
                ]
            elif row.due_date < issued_on:
                errors[f"recommendations[{index}].due_date"] = [
                    _("%(code)s would be due before the conclusion is issued.") % {"code": row.code}
                ]
            continue
        row.due_date, row.rolled_from = calendar.dated(
            issued_on, offset_days=row.offset_days, offset_working_days=row.offset_working_days
        )
    if errors:
        raise ValidationError(errors)
    # A report sent before a withdrawal and still waiting for its verdict keeps
    # waiting: its recommendation is `reported` again, not `open`.
    waiting = set(
        ImplementationReport.objects.filter(
            recommendation__in=rows, verdict=ImplementationReport.Verdict.PENDING
        ).values_list("recommendation_id", flat=True)
    )
    for row in rows:
        row.state = State.REPORTED if row.pk in waiting else State.OPEN
        row.save(update_fields=["due_date", "rolled_from", "state", "updated_at"])
    # Reminded from the next pass on (SPEC §11), with the milestones' offsets.
    recommendation_reminders_replan(recommendation_ids=[row.pk for row in rows])
    return [
        {
            "id": row.pk,
            "code": row.code,
            "text": row.text,
            "kind": row.kind,
            "section": row.section,
            "addressee": row.addressee_id,
            "due_date": row.due_date.isoformat() if row.due_date else None,
        }
        for row in rows
    ]


def recommendations_to_draft(*, source: Conclusion, target: Conclusion) -> list[str]:
    """Move a withdrawn conclusion's recommendations to its draft copy, as drafts:
    dates counted from the issue are forgotten (a new issue counts them again);
    their reports stay with them. Returns their codes."""
    rows = list(source.recommendations.select_for_update())
    for row in rows:
        row.conclusion = target
        row.state = State.DRAFT
        if row.offset_days is not None or row.offset_working_days is not None:
            row.due_date, row.rolled_from = None, None
        row.save(update_fields=["conclusion", "state", "due_date", "rolled_from", "updated_at"])
    # A draft is reminded of nothing (SPEC §11: "their reminders stopped"); those
    # already sent stay in its log.
    recommendation_reminders_stop(recommendation_ids=[row.pk for row in rows])
    return [row.code for row in rows]


def recommendations_carry_over(*, visit: Visit, carry_over: bool) -> list[str]:
    """The codes of the recommendations a closing visit carries over; a conflict
    naming them when the closer did not ask to (SPEC §11)."""
    pending = list(
        Recommendation.objects.select_for_update()
        .filter(visit_id=visit.pk, state__in=Recommendation.PENDING_STATES)
        .order_by("position", "id")
        .values_list("pk", "code")
    )
    if not pending:
        return []
    codes = [code for _pk, code in pending]
    if not carry_over:
        raise Conflict(
            _(
                "Recommendations %(codes)s are still open or reported. A coordinator may "
                "close the visit with carry_over: true to keep following them."
            )
            % {"codes": ", ".join(codes)},
            code="recommendations_open",
            recommendations=[{"id": pk, "code": code} for pk, code in pending],
        )
    Recommendation.objects.filter(pk__in=[pk for pk, _code in pending]).update(carried_over=True)
    return codes


def _authorize(actor: Person | None, recommendation: Recommendation) -> None:
    """Extending and cancelling (SPEC §4): 404 for whoever does not see the
    recommendation, 403 for those who see it without the right."""
    if actor is None:
        return
    if not sees_recommendation(actor, recommendation):
        raise NotFound(_("There is no such recommendation."))
    if not recommendation_access(actor, recommendation).allows(Capability.MANAGE_RECOMMENDATIONS):
        raise NotAllowed(PERMISSION_MESSAGES[Capability.MANAGE_RECOMMENDATIONS])


def _lock(recommendation: Recommendation) -> str:
    return (
        Recommendation.objects.select_for_update()
        .values_list("state", flat=True)
        .get(pk=recommendation.pk)
    )


@transaction.atomic
def recommendation_extend(
    *, actor: Person | None, recommendation: Recommendation, due_date: dt.date, extended_by: str
) -> Recommendation:
    """Give an open (or reported) recommendation a new deadline, citing the decision
    that granted it. The new date is a date, no longer counted from the issue."""
    _authorize(actor, recommendation)
    errors: dict[str, list[str]] = {}
    extended_by = (extended_by or "").strip()
    if not extended_by:
        errors["extended_by"] = [_("Cite the decision that grants the extension.")]
    elif len(extended_by) > MAX_DECISION_REF:
        errors["extended_by"] = [
            _("Give at most %(limit)s characters.") % {"limit": MAX_DECISION_REF}
        ]
    else:
        try:
            one_line(extended_by)
        except ValidationError as error:
            errors["extended_by"] = error.messages
    if due_date is None:
        errors["due_date"] = [_("Give the new due date.")]
    elif recommendation.due_date is not None and due_date <= recommendation.due_date:
        errors["due_date"] = [_("An extension moves the deadline later than it is now.")]
    if errors:
        raise ValidationError(errors)
    state = _lock(recommendation)
    if state not in Recommendation.PENDING_STATES:
        raise Conflict(
            _("Only an open or reported recommendation can be extended; this one is %(state)s.")
            % {"state": State(state).label},
            code="recommendation_not_open",
        )
    before = recommendation.due_date
    recommendation.due_date = due_date
    recommendation.rolled_from = None
    recommendation.offset_days = recommendation.offset_working_days = None
    recommendation.extended_by = extended_by
    # The calendar event moved: subscribed calendars must see it (SEQUENCE). Read
    # under the row lock just taken, not from the caller's copy.
    recommendation.sequence = (
        Recommendation.objects.values_list("sequence", flat=True).get(pk=recommendation.pk) + 1
    )
    recommendation.save(
        update_fields=[
            "due_date",
            "rolled_from",
            "offset_days",
            "offset_working_days",
            "extended_by",
            "sequence",
            "updated_at",
        ]
    )
    # Its future reminders follow the new date; offsets already recorded are not
    # repeated (one per recommendation, recipient and offset).
    recommendation_reminders_replan(recommendation_ids=[recommendation.pk])
    audit_record(
        actor=actor,
        action="extend",
        obj=recommendation,
        visit_id=recommendation.visit_id,
        changes={
            "due_date": {
                "from": before.isoformat() if before else None,
                "to": due_date.isoformat(),
            },
            "extended_by": extended_by,
        },
    )
    return recommendation


@transaction.atomic
def recommendation_cancel(
    *, actor: Person | None, recommendation: Recommendation, cancel_reason: str
) -> Recommendation:
    """Cancel an open or reported recommendation, with the reason."""
    _authorize(actor, recommendation)
    cancel_reason = (cancel_reason or "").strip()
    if not cancel_reason:
        raise ValidationError({"cancel_reason": _("Say why the recommendation is cancelled.")})
    if len(cancel_reason) > MAX_REASON_TEXT:
        raise ValidationError(
            {"cancel_reason": _("Give at most %(limit)s characters.") % {"limit": MAX_REASON_TEXT}}
        )
    state = _lock(recommendation)
    if state not in Recommendation.PENDING_STATES:
        raise Conflict(
            _("Only an open or reported recommendation can be cancelled; this one is %(state)s.")
            % {"state": State(state).label},
            code="recommendation_not_open",
        )
    recommendation.state = State.CANCELLED
    recommendation.cancel_reason = cancel_reason
    recommendation.save(update_fields=["state", "cancel_reason", "updated_at"])
    recommendation_reminders_stop(recommendation_ids=[recommendation.pk])
    audit_record(
        actor=actor,
        action="cancel",
        obj=recommendation,
        visit_id=recommendation.visit_id,
        changes={"state": {"from": state, "to": State.CANCELLED}, "cancel_reason": cancel_reason},
    )
    return recommendation
