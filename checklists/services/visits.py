"""Visits: creation from an outline, sessions and rescheduling, team, status machine.

Every service that acts for a person checks checklists.policies first (an actor
of None is the system); a refusal raises before anything is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.errors import NotAllowed, StaleObjectError, TransitionNotAllowed
from checklists.limits import MAX_SESSIONS, MAX_TEAM
from checklists.models import (
    Outline,
    Programme,
    TeamMembership,
    Unit,
    User,
    Visit,
    WorkingSession,
)
from checklists.policies import (
    PERMISSION_MESSAGES,
    Capability,
    authorize,
    require_coordinator,
)
from checklists.services.audit import audit_record, field_changes
from checklists.services.legal_instruments import visit_decision_link
from checklists.services.recommendations import recommendations_carry_over
from checklists.services.reminder_planning import reminders_replan, reminders_stop
from checklists.services.visit_clashes import (
    clash_override_allowed,
    clashes_check,
    clashes_record_override,
    new_visit_check,
    team_change_check,
    visit_candidate,
    visit_window_refresh,
)
from checklists.services.visit_setup import (
    copy_outline_items,
    copy_outline_milestones,
    visit_day_zero,
    work_calendar,
)
from checklists.validators import one_line

Status = Visit.Status

# planned → announced → in progress → reporting → concluded → closed, or cancelled
# from any state before the conclusion.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PLANNED: frozenset({Status.ANNOUNCED, Status.CANCELLED}),
    Status.ANNOUNCED: frozenset({Status.IN_PROGRESS, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.REPORTING, Status.CANCELLED}),
    Status.REPORTING: frozenset({Status.CONCLUDED, Status.CANCELLED}),
    Status.CONCLUDED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class SessionInput:
    start: dt.datetime
    end: dt.datetime
    location: str = ""
    id: int | None = None


@dataclass(frozen=True)
class TeamInput:
    user: User
    role: str


def _validate_sessions(sessions: Sequence[SessionInput]) -> None:
    if not sessions:
        raise ValidationError({"sessions": _("A visit needs at least one working session.")})
    if len(sessions) > MAX_SESSIONS:
        raise ValidationError(
            {
                "sessions": _("A visit has at most %(limit)s working sessions.")
                % {"limit": MAX_SESSIONS}
            }
        )
    errors = []
    for index, session in enumerate(sessions):
        if timezone.is_naive(session.start) or timezone.is_naive(session.end):
            errors.append(_("Session %(n)s: times must carry a time zone.") % {"n": index + 1})
        elif session.end <= session.start:
            errors.append(_("Session %(n)s: the end must be after the start.") % {"n": index + 1})
    if errors:
        raise ValidationError({"sessions": errors})
    # Sessions are written in bulk, without full_clean: their one field of text
    # gets its validator here.
    located: dict[str, list[ValidationError]] = {}
    for index, session in enumerate(sessions):
        try:
            one_line(session.location)
        except ValidationError as error:
            located[f"sessions[{index}].location"] = error.error_list
    if located:
        raise ValidationError(located)


def _validate_team(team: Sequence[TeamInput]) -> None:
    roles = [member.role for member in team]
    errors = []
    if len(team) > MAX_TEAM:
        errors.append(_("A team has at most %(limit)s members.") % {"limit": MAX_TEAM})
    if len({member.user.pk for member in team}) != len(team):
        errors.append(_("A person can hold only one role in a team."))
    if roles.count(TeamMembership.Role.LEAD) > 1:
        errors.append(_("A team has at most one lead."))
    valid_roles = set(TeamMembership.Role.values)
    errors += [
        _("Unknown team role “%(role)s”.") % {"role": role}
        for role in roles
        if role not in valid_roles
    ]
    if errors:
        raise ValidationError({"team": errors})


def visit_issuer(
    *, creator: User | None, host_unit: Unit, programme: Programme | None = None
) -> Unit:
    """The unit that issues a visit's documents (SPEC §5, visit `issuer`): the
    issuer of the programme the visit comes from, else the unit of the creating
    coordinator's scope, else the host unit's parent (the level above inspects the
    level below), else the host unit itself (a root)."""
    if programme is not None:
        return programme.issuer
    if creator is not None and creator.is_coordinator and creator.coordinator_scope is not None:
        return creator.coordinator_scope
    return host_unit.parent or host_unit


@transaction.atomic
def visit_create(
    *,
    actor: User | None,
    outline: Outline,
    host_unit: Unit,
    title: str,
    sessions: Sequence[SessionInput],
    team: Sequence[TeamInput] = (),
    decision_ref: str = "",
    code: str = "",
    classification: str = Visit.Classification.NONE,
    override: bool = False,
    programme: Programme | None = None,
) -> Visit:
    """Create a visit from a published outline version (for one of `programme`'s
    entries, checklists.services.programmes.programme_create_visits, when given).

    1. Refuses anyone but a coordinator of the host unit (who may also classify it).
    2. Refuses a plan that clashes (SPEC §13) unless the coordinator overrides it.
    3. Copies the outline's items into the visit's checklist.
    4. Dates the outline's milestones from day 0, the first working session.
    """
    require_coordinator(
        actor, _("Only a coordinator of the host unit may plan a visit there."), unit=host_unit
    )
    if outline.status != Outline.Status.PUBLISHED:
        raise ValidationError(
            {
                "outline": _("Visits are built from a published outline version; %(o)s is %(s)s.")
                % {"o": outline, "s": outline.get_status_display()}
            }
        )
    _validate_sessions(sessions)
    _validate_team(team)
    clashes = new_visit_check(
        actor=actor,
        host_unit=host_unit,
        outline_code=outline.code,
        sessions=[(s.start, s.end) for s in sessions],
        people=[m.user.pk for m in team],
        override=override,
    )

    visit = Visit(
        outline=outline,
        host_unit=host_unit,
        issuer=visit_issuer(creator=actor, host_unit=host_unit, programme=programme),
        programme=programme,
        title=title,
        decision_ref=decision_ref,
        code=code,
        classification=classification,
        created_by=actor,
        window_start=min(s.start for s in sessions),
        window_end=max(s.end for s in sessions),
    )
    visit.full_clean()
    visit.save()
    visit_decision_link(actor=actor, visit=visit)
    WorkingSession.objects.bulk_create(
        WorkingSession(visit=visit, start=s.start, end=s.end, location=s.location) for s in sessions
    )
    TeamMembership.objects.bulk_create(
        TeamMembership(visit=visit, user=m.user, role=m.role) for m in team
    )
    copy_outline_items(visit)
    copy_outline_milestones(visit, day_zero=visit_day_zero(sessions))
    audit_record(
        actor=actor,
        action="create",
        obj=visit,
        visit_id=visit.pk,
        changes={
            "title": title,
            "classification": classification,
            "outline": str(outline),
            "host_unit": host_unit.code,
            "issuer": visit.issuer.code if visit.issuer is not None else None,
            **({"programme": programme.code} if programme is not None else {}),
            "sessions": [[s.start.isoformat(), s.end.isoformat(), s.location] for s in sessions],
            "team": [[m.user.get_username(), m.role] for m in team],
        },
    )
    clashes_record_override(actor=actor, visit=visit, clashes=clashes)
    visit.clashes = clashes
    return visit


def _bump_version(visit: Visit) -> None:
    Visit.objects.filter(pk=visit.pk).update(
        row_version=F("row_version") + 1, updated_at=timezone.now()
    )
    visit.refresh_from_db(fields=["row_version", "updated_at"])


def _check_version(visit: Visit, expected_version: int | None) -> None:
    """Refuse to act on a visit that changed since the caller read it."""
    if expected_version is None:
        return
    current = (
        Visit.objects.select_for_update().values_list("row_version", flat=True).get(pk=visit.pk)
    )
    if current != expected_version:
        raise StaleObjectError(
            _("This visit was changed by someone else. Reload it and try again."),
            current_version=current,
        )


VISIT_EDITABLE_FIELDS = ("title", "code", "decision_ref")


@transaction.atomic
def visit_update(
    *, actor: User | None, visit: Visit, expected_version: int | None = None, **changes: object
) -> Visit:
    """Change the visit's title, code or inspection decision."""
    authorize(actor, visit, Capability.PLAN)
    unknown = set(changes) - set(VISIT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    _check_version(visit, expected_version)
    before = {name: getattr(visit, name) for name in changes}
    for name, value in changes.items():
        setattr(visit, name, value)
    visit.full_clean()
    diff = field_changes(before, changes)
    if diff:
        visit.save(update_fields=[*diff, "updated_at"])
        if "decision_ref" in diff:
            visit_decision_link(actor=actor, visit=visit)
        _bump_version(visit)
        audit_record(actor=actor, action="update", obj=visit, visit_id=visit.pk, changes=diff)
    return visit


@transaction.atomic
def visit_transition(
    *,
    actor: User | None,
    visit: Visit,
    to: str,
    expected_version: int | None = None,
    carry_over: bool = False,
) -> Visit:
    """Move a visit along its status machine; anything else is refused.

    `concluded` is reached only by issuing the conclusion
    (checklists.services.conclusions.conclusion_issue): asked for here, it is a
    conflict, or nothing at all once the conclusion is issued. Closing a visit
    whose recommendations are still open or reported is a conflict naming them,
    unless a coordinator carries them over (`carry_over`), which they then are:
    they stay tracked after the visit is closed."""
    access = authorize(actor, visit, Capability.PLAN)
    if carry_over and not access.can_carry_over:
        raise NotAllowed(PERMISSION_MESSAGES[Capability.CARRY_OVER])
    _check_version(visit, expected_version)
    # Lock the row: two coordinators pressing "close" and "cancel" at once must not
    # both pass the check below.
    current = Visit.objects.select_for_update().values_list("status", flat=True).get(pk=visit.pk)
    if to == Status.CONCLUDED:
        if current == Status.CONCLUDED:
            return visit  # the conclusion was issued: the visit is where it was asked to be
        raise TransitionNotAllowed(
            _("A visit is concluded by issuing its conclusion (visits/{id}/conclusion/issue/)."),
            code="conclude_by_issuing",
        )
    if to not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        raise TransitionNotAllowed(
            _("A visit that is “%(current)s” cannot become “%(target)s”.")
            % {
                "current": Status(current).label,
                "target": Status(to).label if to in Status.values else to,
            },
            code="transition_not_allowed",
        )
    carried = (
        recommendations_carry_over(visit=visit, carry_over=carry_over)
        if to == Status.CLOSED
        else []
    )
    Visit.objects.filter(pk=visit.pk).update(status=to)
    if to in Visit.FINISHED_STATUSES:
        # Reminders: none for a visit that is over (checklists.services.reminder_planning).
        reminders_stop(visit_id=visit.pk)
    _bump_version(visit)
    visit.status = to
    audit_record(
        actor=actor,
        action=f"transition:{to}",
        obj=visit,
        visit_id=visit.pk,
        changes={
            "status": {"from": current, "to": to},
            **({"carried_over": carried} if carried else {}),
        },
    )
    return visit


@transaction.atomic
def visit_set_sessions(
    *,
    actor: User | None,
    visit: Visit,
    sessions: Sequence[SessionInput],
    expected_version: int | None = None,
    override: bool = False,
) -> Visit:
    """Replace the visit's working sessions (matched by id) and re-date the
    milestones that follow them."""
    authorize(actor, visit, Capability.PLAN)
    return _replace_sessions(
        actor=actor,
        visit=visit,
        sessions=sessions,
        expected_version=expected_version,
        override=override,
    )


def _replace_sessions(
    *,
    actor: User | None,
    visit: Visit,
    sessions: Sequence[SessionInput],
    expected_version: int | None,
    override: bool,
) -> Visit:
    if override:
        clash_override_allowed(actor=actor, unit=visit.host_unit)
    _check_version(visit, expected_version)
    _validate_sessions(sessions)
    existing = {s.pk: s for s in visit.sessions.select_for_update()}
    unknown = [s.id for s in sessions if s.id is not None and s.id not in existing]
    if unknown:
        raise ValidationError(
            {"sessions": _("Session %(ids)s does not belong to this visit.") % {"ids": unknown}}
        )
    clashes = clashes_check(
        visit_candidate(visit, sessions=[(s.start, s.end) for s in sessions]), override=override
    )
    kept = {s.id for s in sessions if s.id is not None}
    removed = [pk for pk in existing if pk not in kept]
    WorkingSession.objects.filter(pk__in=removed).delete()
    changed = []
    for item in sessions:
        if item.id is None:
            WorkingSession.objects.create(
                visit=visit, start=item.start, end=item.end, location=item.location
            )
            continue
        session = existing[item.id]
        moved = (session.start, session.end) != (item.start, item.end)
        if moved or session.location != item.location:
            session.start, session.end, session.location = item.start, item.end, item.location
            if moved:
                session.sequence += 1
            session.save(update_fields=["start", "end", "location", "sequence", "updated_at"])
            changed.append(session.pk)
    visit_window_refresh(visit)
    moved_milestones = redate_following_milestones(visit)
    _bump_version(visit)
    audit_record(
        actor=actor,
        action="reschedule",
        obj=visit,
        visit_id=visit.pk,
        changes={
            "sessions": [[s.start.isoformat(), s.end.isoformat(), s.location] for s in sessions],
            "removed_sessions": removed,
            "moved_milestones": moved_milestones,
        },
    )
    clashes_record_override(actor=actor, visit=visit, clashes=clashes)
    visit.clashes = clashes
    return visit


@transaction.atomic
def visit_reschedule(
    *,
    actor: User | None,
    visit: Visit,
    first_session_start: dt.datetime,
    expected_version: int | None = None,
    override: bool = False,
) -> Visit:
    """Move the whole visit so that its first working session starts at the given
    time: every session shifts by the same amount, and so does every milestone
    nobody dated by hand."""
    authorize(actor, visit, Capability.PLAN)
    sessions = list(visit.sessions.order_by("start"))
    if not sessions:
        raise ValidationError({"sessions": _("This visit has no working session to move.")})
    delta = first_session_start - sessions[0].start
    return _replace_sessions(
        actor=actor,
        visit=visit,
        expected_version=expected_version,
        sessions=[
            SessionInput(id=s.pk, start=s.start + delta, end=s.end + delta, location=s.location)
            for s in sessions
        ],
        override=override,
    )


def redate_following_milestones(visit: Visit) -> dict[str, list[str]]:
    """Re-date every milestone nobody dated by hand from the current day 0.
    Returns {key: [old date, new date]} for those that moved."""
    sessions = list(visit.sessions.all())
    day_zero = visit_day_zero(sessions)
    calendar = work_calendar()
    moved: dict[str, list[str]] = {}
    for milestone in visit.milestones.filter(dated_by_hand=False).select_for_update():
        if milestone.offset_days is None and milestone.offset_working_days is None:
            continue
        dated = calendar.dated(
            day_zero,
            offset_days=milestone.offset_days,
            offset_working_days=milestone.offset_working_days,
        )
        if dated.date != milestone.due_date:
            moved[milestone.key] = [milestone.due_date.isoformat(), dated.date.isoformat()]
            milestone.due_date, milestone.rolled_from = dated
            milestone.sequence += 1
            milestone.save(update_fields=["due_date", "rolled_from", "sequence", "updated_at"])
            # Reminders: the future ones follow the new date (services.reminder_planning).
            reminders_replan(milestone_ids=[milestone.pk])
    return moved


@transaction.atomic
def visit_set_team(
    *,
    actor: User | None,
    visit: Visit,
    team: Sequence[TeamInput],
    expected_version: int | None = None,
    override: bool = False,
) -> Visit:
    """Replace the visit's team (a coordinator's decision); whoever joins it must
    not be booked elsewhere in the visit's window (SPEC §13) unless overridden."""
    authorize(actor, visit, Capability.MANAGE_TEAM)
    if override:
        clash_override_allowed(actor=actor, unit=visit.host_unit)
    _check_version(visit, expected_version)
    _validate_team(team)
    members = list(visit.team.select_related("user"))
    clashes = team_change_check(
        visit=visit,
        added={m.user.pk for m in team} - {m.user_id for m in members},
        override=override,
    )
    before = sorted([m.user.get_username(), m.role] for m in members)
    visit.team.all().delete()
    TeamMembership.objects.bulk_create(
        TeamMembership(visit=visit, user=m.user, role=m.role) for m in team
    )
    after = sorted([m.user.get_username(), m.role] for m in team)
    _bump_version(visit)
    audit_record(
        actor=actor,
        action="set_team",
        obj=visit,
        visit_id=visit.pk,
        changes={"team": {"from": before, "to": after}},
    )
    clashes_record_override(actor=actor, visit=visit, clashes=clashes)
    visit.clashes = clashes
    return visit


@transaction.atomic
def visit_change(
    *,
    actor: User | None,
    visit: Visit,
    expected_version: int | None = None,
    fields: Mapping[str, object] | None = None,
    sessions: Sequence[SessionInput] | None = None,
    team: Sequence[TeamInput] | None = None,
    classification: str | None = None,
    override: bool = False,
) -> Visit:
    """Several changes at once (the API's PATCH), all or nothing: every right they
    need is checked before anything changes, and the version once, under the row
    lock that the later steps then also hold. `visit.clashes` gathers what the
    session and team changes let pass."""
    fields = dict(fields or {})
    if override:
        authorize(actor, visit, Capability.SEE)
        clash_override_allowed(actor=actor, unit=visit.host_unit)
    if fields or sessions is not None:
        authorize(actor, visit, Capability.PLAN)
    if team is not None:
        authorize(actor, visit, Capability.MANAGE_TEAM)
    if classification is not None:
        authorize(actor, visit, Capability.CLASSIFY)
    if fields or expected_version is not None:
        visit_update(actor=actor, visit=visit, expected_version=expected_version, **fields)
    clashes = []
    if sessions is not None:
        visit_set_sessions(actor=actor, visit=visit, sessions=sessions, override=override)
        clashes += visit.clashes
    if team is not None:
        visit_set_team(actor=actor, visit=visit, team=team, override=override)
        clashes += visit.clashes
    visit.clashes = clashes
    if classification is not None:
        visit_classify(actor=actor, visit=visit, classification=classification)
    return visit


@transaction.atomic
def visit_classify(
    *,
    actor: User | None,
    visit: Visit,
    classification: str,
    expected_version: int | None = None,
) -> Visit:
    """Set the visit's classification (SPEC §14). Coordinators of the visit only:
    its team sees it but gets NotAllowed. Who may see the visit does not change;
    the mark follows it onto its pages, e-mail subjects and feeds."""
    authorize(actor, visit, Capability.CLASSIFY)
    if classification not in Visit.Classification.values:
        raise ValidationError(
            {
                "classification": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(Visit.Classification.values)}
            }
        )
    _check_version(visit, expected_version)
    # Read under the row lock: two coordinators classifying at once each record
    # the value they actually replaced.
    current = (
        Visit.objects.select_for_update().values_list("classification", flat=True).get(pk=visit.pk)
    )
    visit.classification = classification
    if current == classification:
        return visit
    Visit.objects.filter(pk=visit.pk).update(classification=classification)
    _bump_version(visit)
    audit_record(
        actor=actor,
        action="classify",
        obj=visit,
        visit_id=visit.pk,
        changes={"classification": {"from": current, "to": classification}},
    )
    return visit
