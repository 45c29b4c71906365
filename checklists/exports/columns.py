"""The columns of each exported list (SPEC §5 "exports"), declared once here.

Each function answers the columns in the active language (the headers and the
words of choices are translated when it is called, once per export). A value
reads only what the list's selector already loads with each row (or what the
export asks to be joined in, see api.exports), so a row costs no query of its own.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.exports import (
    ANY,
    BOOLEAN,
    DATE,
    DATETIME,
    INTEGER,
    PERCENT,
    Column,
    column,
)
from checklists.models import (
    AnswerType,
    ChecklistItem,
    Milestone,
    Recommendation,
    Responsible,
    TeamMembership,
    Unit,
    Visit,
)
from checklists.selectors import visit_progress
from checklists.selectors.unit_coverage import CoverageEntry
from checklists.wording import localised


def _label(model: type[models.Model], name: str) -> Any:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.verbose_name


def _words(choices: type[models.TextChoices]) -> dict[str, str]:
    """A choice's value → its label in the active language (translated once)."""
    return {str(value): str(label) for value, label in choices.choices}


def _name(person: Any) -> str:
    return str(person) if person is not None else ""


def _unit_name(unit: Unit | None) -> str:
    return localised(unit.name, unit.name_en) if unit is not None else ""


def visit_columns() -> list[Column]:
    """visits/: rows of checklists.selectors.visits.visits_listed_for (progress and
    first session annotated), each with `team_names` (team_names_of)."""
    status, classification = _words(Visit.Status), _words(Visit.Classification)
    lead = TeamMembership.Role.LEAD

    def team(visit: Visit) -> list[tuple[str, str]]:
        # Set per batch of rows from checklists.selectors.visits.team_names_of.
        return getattr(visit, "team_names", [])

    return [
        column(_("ID"), lambda v: v.pk, INTEGER, 8),
        column(_label(Visit, "code"), lambda v: v.code, width=14),
        column(_label(Visit, "title"), lambda v: v.title, width=40),
        column(_("Host unit"), lambda v: _unit_name(v.host_unit), width=30),
        column(_("Host unit code"), lambda v: v.host_unit.code, width=12),
        column(_label(Visit, "status"), lambda v: status.get(v.status, v.status), width=14),
        column(
            _label(Visit, "classification"),
            lambda v: classification.get(v.classification, v.classification),
            width=14,
        ),
        column(_("First session"), lambda v: getattr(v, "first_session", None), DATETIME, 17),
        column(_("Last session ends"), lambda v: v.window_end, DATETIME, 17),
        column(
            _("Lead"),
            lambda v: "; ".join(name for role, name in team(v) if role == lead),
            width=24,
        ),
        column(_("Team"), lambda v: "; ".join(name for _role, name in team(v)), width=40),
        column(_("Progress"), visit_progress, PERCENT, 10),
        column(_label(Visit, "decision_ref"), lambda v: v.decision_ref, width=30),
        column(_("Programme ID"), lambda v: v.programme_id, INTEGER, 10),
        column(_label(Visit, "created_at"), lambda v: v.created_at, DATETIME, 17),
    ]


def milestone_columns() -> list[Column]:
    """milestones/ and visits/{id}/milestones/: rows with their visit loaded."""
    responsible, state = _words(Responsible), _words(Milestone.State)
    today = timezone.localdate()
    return [
        column(_("ID"), lambda m: m.pk, INTEGER, 8),
        column(_("Visit ID"), lambda m: m.visit_id, INTEGER, 8),
        column(_("Visit code"), lambda m: m.visit.code, width=14),
        column(_label(Milestone, "key"), lambda m: m.key, width=16),
        column(_label(Milestone, "title"), lambda m: localised(m.title, m.title_en), width=40),
        column(_label(Milestone, "due_date"), lambda m: m.due_date, DATE, 12),
        column(
            _label(Milestone, "responsible"),
            lambda m: responsible.get(m.responsible, m.responsible),
            width=16,
        ),
        column(_("State"), lambda m: state[m.state_on(today)], width=14),
        column(_label(Milestone, "done_at"), lambda m: m.done_at, DATETIME, 17),
        column(_label(Milestone, "dated_by_hand"), lambda m: m.dated_by_hand, BOOLEAN, 10),
        column(_label(Milestone, "rolled_from"), lambda m: m.rolled_from, DATE, 12),
    ]


def _answer(item: ChecklistItem) -> Any:
    """A number answer as a number (stored canonical, perhaps as text), a yes/no
    one as a boolean, text as text."""
    answer = item.answer
    if item.answer_type == AnswerType.NUMBER and isinstance(answer, str):
        try:
            return Decimal(answer)
        except InvalidOperation:
            return answer
    return answer


def checklist_columns(*, internal_notes: bool) -> list[Column]:
    """visits/{id}/checklist/: the internal note only for those who read it
    (SPEC §4: never for host contacts)."""
    answer_type, status = _words(AnswerType), _words(ChecklistItem.Status)
    origin = _words(ChecklistItem.Origin)
    columns = [
        column(_("ID"), lambda i: i.pk, INTEGER, 8),
        column(_label(ChecklistItem, "section_number"), lambda i: i.section_number, width=8),
        column(
            _label(ChecklistItem, "section_title"),
            lambda i: localised(i.section_title, i.section_title_en),
            width=30,
        ),
        column(_label(ChecklistItem, "number"), lambda i: i.number, width=8),
        column(_label(ChecklistItem, "text"), lambda i: localised(i.text, i.text_en), width=50),
        column(
            _label(ChecklistItem, "answer_type"),
            lambda i: answer_type.get(i.answer_type, i.answer_type),
            width=12,
        ),
        column(_label(ChecklistItem, "answer"), _answer, ANY, 20),
        column(_label(ChecklistItem, "status"), lambda i: status.get(i.status, i.status), width=14),
        column(_label(ChecklistItem, "assignee"), lambda i: _name(i.assignee), width=24),
        column(_label(ChecklistItem, "due_date"), lambda i: i.due_date, DATE, 12),
        column(_label(ChecklistItem, "finding"), lambda i: i.finding, width=50),
    ]
    if internal_notes:
        columns.append(
            column(_label(ChecklistItem, "internal_note"), lambda i: i.internal_note, width=40)
        )
    columns += [
        column(_label(ChecklistItem, "origin"), lambda i: origin.get(i.origin, i.origin), width=12),
        column(_label(ChecklistItem, "updated_at"), lambda i: i.updated_at, DATETIME, 17),
    ]
    return columns


def recommendation_columns() -> list[Column]:
    """recommendations/: rows of recommendations_visible_to (visit and addressee
    joined)."""
    kind, state = _words(Recommendation.Kind), _words(Recommendation.State)
    today = timezone.localdate()
    return [
        column(_("ID"), lambda r: r.pk, INTEGER, 8),
        column(_("Visit code"), lambda r: r.visit.code, width=14),
        column(_label(Recommendation, "code"), lambda r: r.code, width=8),
        column(_label(Recommendation, "text"), lambda r: r.text, width=50),
        column(_label(Recommendation, "section"), lambda r: r.section, width=8),
        column(_label(Recommendation, "kind"), lambda r: kind.get(r.kind, r.kind), width=14),
        column(_label(Recommendation, "addressee"), lambda r: _unit_name(r.addressee), width=30),
        column(_label(Recommendation, "due_date"), lambda r: r.due_date, DATE, 12),
        column(_label(Recommendation, "state"), lambda r: state.get(r.state, r.state), width=14),
        column(_("Overdue"), lambda r: r.overdue_on(today), BOOLEAN, 10),
        column(_("Progress (%)"), lambda r: r.progress, INTEGER, 10),
        column(_label(Recommendation, "extended_by"), lambda r: r.extended_by, width=24),
        column(_label(Recommendation, "cancel_reason"), lambda r: r.cancel_reason, width=30),
        column(_label(Recommendation, "carried_over"), lambda r: r.carried_over, BOOLEAN, 10),
        column(_label(Recommendation, "created_at"), lambda r: r.created_at, DATETIME, 17),
    ]


def coverage_columns() -> list[Column]:
    """units/coverage/: checklists.selectors.unit_coverage.CoverageEntry rows."""
    kind = _words(Unit.Kind)

    def unit(e: CoverageEntry) -> Unit:
        return e.unit

    return [
        column(_("Unit ID"), lambda e: unit(e).pk, INTEGER, 8),
        column(_("Unit"), lambda e: _unit_name(unit(e)), width=36),
        column(_label(Unit, "code"), lambda e: unit(e).code, width=12),
        column(_label(Unit, "kind"), lambda e: kind.get(unit(e).kind, unit(e).kind), width=14),
        column(_("Last inspection"), lambda e: e.last_inspection, DATE, 14),
        column(_("Last visit ID"), lambda e: e.last_visit, INTEGER, 10),
        column(_("Outline"), lambda e: e.outline, width=14),
        column(_("Open recommendations"), lambda e: e.open_recommendations, INTEGER, 12),
        column(_("Late recommendations"), lambda e: e.late_recommendations, INTEGER, 12),
        column(_("Due again"), lambda e: e.due_again, BOOLEAN, 10),
    ]


__all__ = [
    "checklist_columns",
    "coverage_columns",
    "milestone_columns",
    "recommendation_columns",
    "visit_columns",
]
