"""The clash check of SPEC §13 as the visit services apply it: creating a visit,
moving its sessions and adding someone to its team run `checklists.clashes`
before they write. An error clash refuses the change (ClashesFound, 409) unless a
coordinator overrides it (`override=True`, audited with the clashes it overrode;
from anyone else NotAllowed, whatever the clashes). What passes comes back on the
visit as `visit.clashes` (warnings, and the errors a coordinator overrode)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence

from django.db.models import Max, Min
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.clashes import KINDS, PERSON_DOUBLE_BOOKED, Candidate, Clash, clashes_find
from checklists.errors import ClashesFound, NotAllowed
from checklists.models import Unit, User, Visit, WorkingSession
from checklists.policies import PERMISSION_MESSAGES, Capability, authorize, coordinates_unit
from checklists.services.audit import audit_record


def clash_override_allowed(*, actor: User | None, unit: Unit) -> None:
    """Refuse `override` from anyone but a coordinator of the host unit (or the system)."""
    if actor is not None and not coordinates_unit(actor, unit):
        raise NotAllowed(PERMISSION_MESSAGES[Capability.OVERRIDE_CLASHES])


def clashes_check(
    candidate: Candidate, *, override: bool, kinds: Collection[str] = KINDS
) -> list[Clash]:
    """The candidate's clashes; refused (ClashesFound) when one is an error and
    nobody overrides it. The caller has checked who may override."""
    clashes = clashes_find([candidate], kinds=kinds)[0]
    errors = [clash for clash in clashes if clash.is_error]
    if errors and not override:
        raise ClashesFound(
            ngettext(
                "This plan clashes with another: %(messages)s A coordinator may "
                "override it with “override”.",
                "This plan clashes with others: %(messages)s A coordinator may "
                "override them with “override”.",
                len(errors),
            )
            % {"messages": " ".join(clash.message for clash in errors)},
            clashes=[clash.as_dict() for clash in clashes],
        )
    return clashes


def clashes_record_override(*, actor: User | None, visit: Visit, clashes: Iterable[Clash]) -> None:
    """Audit the errors a coordinator planned over, with the clashes themselves."""
    errors = [clash.as_dict() for clash in clashes if clash.is_error]
    if errors:
        audit_record(
            actor=actor,
            action="override_clashes",
            obj=visit,
            visit_id=visit.pk,
            changes={"clashes": errors},
        )


def visit_candidate(
    visit: Visit,
    *,
    sessions: Sequence[tuple[dt.datetime, dt.datetime]] | None = None,
    people: Iterable[int] | None = None,
) -> Candidate:
    """The visit as it would be with these sessions and people (default: its own)."""
    if sessions is None:
        sessions = list(visit.sessions.values_list("start", "end"))
    if people is None:
        people = visit.team.values_list("user_id", flat=True)
    return Candidate.for_sessions(
        host_unit_id=visit.host_unit_id,
        sessions=sessions,
        people=people,
        outline_code=Visit.objects.filter(pk=visit.pk).values_list("outline__code", flat=True)[0],
        visit_id=visit.pk,
        label=_("this visit"),
    )


def team_change_check(*, visit: Visit, added: Collection[int], override: bool) -> list[Clash]:
    """Someone new on the team: are they booked elsewhere in the visit's window?"""
    if not added or visit.window_start is None or visit.window_end is None:
        return []
    candidate = Candidate(
        host_unit_id=visit.host_unit_id,
        start=visit.window_start,
        end=visit.window_end,
        people=tuple(added),
        visit_id=visit.pk,
        label=_("this visit"),
    )
    return clashes_check(candidate, override=override, kinds=(PERSON_DOUBLE_BOOKED,))


def new_visit_check(
    *,
    actor: User | None,
    host_unit: Unit,
    outline_code: str,
    sessions: Sequence[tuple[dt.datetime, dt.datetime]],
    people: Iterable[int],
    override: bool,
) -> list[Clash]:
    """A visit about to be created (visit_create)."""
    if override:
        clash_override_allowed(actor=actor, unit=host_unit)
    candidate = Candidate.for_sessions(
        host_unit_id=host_unit.pk,
        sessions=sessions,
        people=people,
        outline_code=outline_code,
        label=_("this visit"),
    )
    return clashes_check(candidate, override=override)


def visit_window_refresh(visit: Visit) -> None:
    """Keep the visit's window (first session's start, last session's end) in step
    with its sessions: the clash check reads it (checklists.clashes)."""
    window = WorkingSession.objects.filter(visit_id=visit.pk).aggregate(
        start=Min("start"), end=Max("end")
    )
    Visit.objects.filter(pk=visit.pk).update(window_start=window["start"], window_end=window["end"])
    visit.window_start, visit.window_end = window["start"], window["end"]


def visit_clashes(*, actor: User | None, visit: Visit) -> list[Clash]:
    """The visit's clashes as it stands (`visits/{id}/clashes/`): for those who plan
    it (coordinators, its lead and deputy)."""
    authorize(actor, visit, Capability.PLAN)
    if not visit.sessions.exists():
        return []
    return clashes_find([visit_candidate(visit)])[0]
