"""A programme's visits (SPEC §5, §13): the batch clash check of its entries, and
creating the visits of an approved programme in one step (or adopting a visit
planned before it). Who may: as for the programme itself
(checklists.services.programmes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.clashes import Candidate, Clash, clash_errors, clashes_find
from checklists.errors import ClashesFound, Conflict, Invalid
from checklists.limits import MAX_TITLE
from checklists.models import Outline, Programme, ProgrammeEntry, Unit, User, Visit
from checklists.policies import Person
from checklists.services.audit import audit_record
from checklists.services.programmes import (
    entry_team,
    programme_authorize,
    programme_bump_version,
    programme_lock,
    programme_require_status,
)
from checklists.services.visits import SessionInput, TeamInput, visit_create

Status = Programme.Status

# SPEC §5: a programme's visit starts with one working session on `window_start`,
# 08:00–11:30 local time, at the host unit; people move it later.
SESSION_START = dt.time(8, 0)
SESSION_END = dt.time(11, 30)


@dataclass(frozen=True)
class EntryClashes:
    """One entry's clashes (warnings and errors, errors first)."""

    entry: ProgrammeEntry
    clashes: list[Clash]

    @property
    def errors(self) -> list[Clash]:
        return clash_errors(self.clashes)


@dataclass
class VisitsCreated:
    """What programme_create_visits did: the visits it made (each with the
    warnings visit_create let pass on `visit.clashes`), and the entries it left
    because they clash (errors)."""

    created: list[Visit] = field(default_factory=list)
    skipped: list[EntryClashes] = field(default_factory=list)


# --- clashes and visits --------------------------------------------------------------


def _session(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        timezone.make_aware(dt.datetime.combine(day, SESSION_START)),
        timezone.make_aware(dt.datetime.combine(day, SESSION_END)),
    )


def _entries_for_check(programme: Programme) -> list[ProgrammeEntry]:
    return list(
        programme.entries.select_related("host_unit", "lead", "deputy", "secretary")
        .prefetch_related("members")
        .order_by("position", "id")
    )


def _entry_people(entry: ProgrammeEntry) -> list[int]:
    people = [entry.lead_id, entry.deputy_id, entry.secretary_id]
    people += [member.pk for member in entry.members.all()]
    return [pk for pk in people if pk is not None]


def _batch_clashes(programme: Programme, entries: Sequence[ProgrammeEntry]) -> list[EntryClashes]:
    """Every entry's clashes, against the stored visits and the other entries, in
    one batch (checklists.clashes: a constant number of queries)."""
    outline_code = Outline.objects.filter(pk=programme.outline_id).values_list("code", flat=True)[0]
    candidates = [
        Candidate.for_window(
            host_unit_id=entry.host_unit_id,
            window_start=entry.window_start,
            window_end=entry.window_end,
            people=_entry_people(entry),
            sessions=[_session(entry.window_start)],
            outline_code=outline_code,
            # An entry whose visit exists must not clash with its own visit.
            visit_id=entry.visit_id,
            label=_("the entry for %(unit)s") % {"unit": entry.host_unit.name},
        )
        for entry in entries
    ]
    found = clashes_find(candidates)
    return [EntryClashes(entry, clashes) for entry, clashes in zip(entries, found, strict=True)]


def programme_clashes(*, actor: Person | None, programme: Programme) -> list[EntryClashes]:
    """The clashes of every entry of the programme (`programmes/{id}/clashes/`),
    for those who read it; entries without any are left out."""
    programme_authorize(actor, programme, manage=False)
    return [
        found for found in _batch_clashes(programme, _entries_for_check(programme)) if found.clashes
    ]


def _clash_from_problem(index: int, data: dict[str, Any]) -> Clash:
    return Clash(
        kind=data["kind"],
        message=data["message"],
        candidate=index,
        visits=tuple(data["visits"]),
        people=tuple(data["people"]),
        units=tuple(data["units"]),
        dates=tuple(dt.date.fromisoformat(day) for day in data["dates"]),
    )


def _visit_title(programme: Programme, unit: Unit) -> str:
    suffix = f" – {unit.name}"
    return programme.title[: MAX_TITLE - len(suffix)] + suffix


def _create_visit(actor: User | None, programme: Programme, entry: ProgrammeEntry) -> Visit:
    """The entry's visit, as SPEC §5 says: the programme's title and the unit's
    name, its decision, one working session on the window's first day at the host
    unit, the entry's people as the team, the programme's issuer."""
    start, end = _session(entry.window_start)
    team = [
        TeamInput(person, role)
        for person, role in entry_team(
            entry.lead, entry.deputy, entry.secretary, entry.members.all()
        )
    ]
    return visit_create(
        actor=actor,
        outline=programme.outline,
        host_unit=entry.host_unit,
        title=_visit_title(programme, entry.host_unit),
        sessions=[SessionInput(start=start, end=end, location=entry.host_unit.name)],
        team=team,
        decision_ref=programme.decision_ref,
        programme=programme,
    )


@transaction.atomic
def programme_create_visits(*, actor: User | None, programme: Programme) -> VisitsCreated:
    """Create the visit of every entry that has none yet (approved programmes only).

    1. Locks the programme's row: two calls at once run one after the other, and
       the second finds every visit made already (idempotent: nothing twice).
    2. Checks the entries still without a visit as one batch; those with an error
       clash (a person or a host unit in two overlapping windows) are skipped and
       listed with their clashes. No override here: a coordinator resolves the
       clash (moves the window, changes the team) and runs this again.
    3. Creates each other entry's visit through visit_create, so that checklist,
       milestones and reminders come with it, and links it to the entry.
    """
    programme_authorize(actor, programme)
    locked = programme_lock(programme)
    programme_require_status(
        locked,
        Status.APPROVED,
        _("Only an approved programme creates its visits; this one is %(status)s."),
    )
    pending = [entry for entry in _entries_for_check(locked) if entry.visit_id is None]
    result = VisitsCreated()
    for index, found in enumerate(_batch_clashes(locked, pending)):
        entry = found.entry
        if found.errors:
            result.skipped.append(found)
            continue
        try:
            visit = _create_visit(actor, locked, entry)
        except ClashesFound as refusal:
            # The batch compared whole days; the visit's own check its session. What
            # it finds is what the batch found, but should they ever differ, the
            # entry is skipped like the others, not the whole run refused.
            clashes = [_clash_from_problem(index, data) for data in refusal.extra["clashes"]]
            result.skipped.append(EntryClashes(entry, clashes))
            continue
        ProgrammeEntry.objects.filter(pk=entry.pk).update(visit=visit)
        entry.visit = visit
        result.created.append(visit)
    if result.created:
        programme_bump_version(locked)
        audit_record(
            actor=actor,
            action="create_visits",
            obj=locked,
            changes={
                "created": [visit.pk for visit in result.created],
                "skipped": [found.entry.pk for found in result.skipped],
            },
        )
    programme.row_version = locked.row_version
    return result


@transaction.atomic
def programme_entry_link_visit(
    *, actor: User | None, entry: ProgrammeEntry, visit: Visit
) -> ProgrammeEntry:
    """Adopt a visit planned before its programme as the visit of the entry for
    the same host unit (a programme written down after its first visits, as the
    demo's Plan 10 is). The visit keeps its issuer: its documents may already be
    numbered in that issuer's register."""
    programme = entry.programme
    programme_authorize(actor, programme)
    locked = programme_lock(programme)
    if locked.status == Status.CLOSED:
        raise Conflict(_("A closed programme takes no more visits."), code="programme_status")
    entry = ProgrammeEntry.objects.select_for_update().get(pk=entry.pk)
    if visit.host_unit_id != entry.host_unit_id:
        raise Invalid({"visit": _("This visit is at another host unit than the entry.")})
    current = (
        Visit.objects.select_for_update().values_list("programme_id", flat=True).get(pk=visit.pk)
    )
    if entry.visit_id is not None or current is not None:
        raise Conflict(
            _("The entry has a visit already, or the visit belongs to a programme already."),
            code="programme_entry_linked",
        )
    ProgrammeEntry.objects.filter(pk=entry.pk).update(visit=visit)
    Visit.objects.filter(pk=visit.pk).update(programme=locked)
    entry.visit, visit.programme = visit, locked
    programme_bump_version(locked)
    audit_record(
        actor=actor,
        action="link_visit",
        obj=locked,
        visit_id=visit.pk,
        changes={"entry": entry.pk, "host_unit": entry.host_unit.code, "visit": visit.pk},
    )
    return entry


__all__ = [
    "EntryClashes",
    "VisitsCreated",
    "programme_clashes",
    "programme_create_visits",
    "programme_entry_link_visit",
]
