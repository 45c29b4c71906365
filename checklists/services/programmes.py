"""Programmes (SPEC §13): plan many visits together, check them for clashes as a
batch, and create them in one step once approved.

Who may: coordinators whose subtree holds the programme's issuer read it; those
whose subtree also holds every entry's host unit manage it (checklists.policies
.authorize_programme); anyone else is told it does not exist. Status:
draft → approved → closed; only a draft changes or is deleted, only an approved
programme creates its visits, and closing it leaves its visits as they are (they
have lives of their own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.clashes import Candidate, Clash, clash_errors, clashes_find
from checklists.errors import ClashesFound, Conflict, Invalid, NotAllowed, StaleObjectError
from checklists.limits import MAX_PROGRAMME_ENTRIES, MAX_TEAM, MAX_TITLE
from checklists.models import (
    LegalInstrument,
    Outline,
    Programme,
    ProgrammeEntry,
    TeamMembership,
    Unit,
    User,
    Visit,
)
from checklists.policies import Person, authorize_programme, coordinates_unit, is_coordinator
from checklists.services.audit import audit_record, field_changes
from checklists.services.legal_instruments import decision_link
from checklists.services.visits import SessionInput, TeamInput, visit_create

Status = Programme.Status
Role = TeamMembership.Role

# SPEC §5: a programme's visit starts with one working session on `window_start`,
# 08:00–11:30 local time, at the host unit; people move it later.
SESSION_START = dt.time(8, 0)
SESSION_END = dt.time(11, 30)

PROGRAMME_EDITABLE_FIELDS = ("code", "title", "issuer", "year", "outline", "decision_ref")
# Model instances in a change are recorded by their text (a unit's name, an outline's).
AUDITED_AS_TEXT = (Unit, Outline)


@dataclass(frozen=True, kw_only=True)
class ProgrammeEntryInput:
    """One entry as a door (the API, the spreadsheet import) gives it: one host
    unit, its team, its window (local days, both included)."""

    host_unit: Unit
    lead: User
    deputy: User | None = None
    secretary: User | None = None
    members: Sequence[User] = ()
    window_start: dt.date
    window_end: dt.date

    def team(self) -> list[tuple[User, str]]:
        return entry_team(self.lead, self.deputy, self.secretary, self.members)


def entry_team(
    lead: User, deputy: User | None, secretary: User | None, members: Iterable[User]
) -> list[tuple[User, str]]:
    """(person, role) for everyone on an entry's team, lead first."""
    people: list[tuple[User, str]] = [(lead, Role.LEAD)]
    if deputy is not None:
        people.append((deputy, Role.DEPUTY))
    if secretary is not None:
        people.append((secretary, Role.SECRETARY))
    return people + [(member, Role.MEMBER) for member in members]


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


# --- checks --------------------------------------------------------------------------


def _host_units(programme: Programme) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=programme.entries.values("host_unit_id")))


def _authorize(actor: Person | None, programme: Programme, *, manage: bool = True) -> None:
    authorize_programme(
        actor,
        issuer=programme.issuer,
        host_units=_host_units(programme) if manage and actor is not None else (),
        manage=manage,
    )


def _locked(programme: Programme, expected_version: int | None = None) -> Programme:
    """The programme's row, locked for the rest of the transaction: two people
    approving, editing or creating its visits at once act one after the other,
    each seeing what the other did."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    if expected_version is not None and locked.row_version != expected_version:
        raise StaleObjectError(
            _("This programme was changed by someone else. Reload it and try again."),
            current_version=locked.row_version,
        )
    return locked


def _require_status(programme: Programme, status: str, message: str) -> None:
    if programme.status != status:
        raise Conflict(
            message % {"status": Status(programme.status).label}, code="programme_status"
        )


def _bump_version(programme: Programme) -> None:
    Programme.objects.filter(pk=programme.pk).update(
        row_version=F("row_version") + 1, updated_at=timezone.now()
    )
    programme.refresh_from_db(fields=["row_version", "updated_at", "status"])


def _validate_header(actor: Person | None, programme: Programme) -> None:
    errors: dict[str, list[str]] = {}
    if actor is not None and not coordinates_unit(actor, programme.issuer):
        errors["issuer"] = [_("You may plan programmes only for units within your scope.")]
    if programme.outline.status != Outline.Status.PUBLISHED:
        errors["outline"] = [
            _("Programmes are built from a published outline version; %(o)s is %(s)s.")
            % {"o": programme.outline, "s": programme.outline.get_status_display()}
        ]
    try:
        programme.full_clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise Invalid(errors)


def _entry_errors(
    actor: Person | None, index: int, entry: ProgrammeEntryInput, seen_units: set[int]
) -> dict[str, list[str]]:
    """What is wrong with one entry, keyed `entries.<index>.<field>` (a spreadsheet
    import maps the index to its row)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(f"entries.{index}.{name}", []).append(message)

    if entry.host_unit is None:
        add("host_unit", _("Name the host unit."))
    elif actor is not None and not coordinates_unit(actor, entry.host_unit):
        add("host_unit", _("%(unit)s is outside your scope.") % {"unit": entry.host_unit.name})
    elif entry.host_unit.pk in seen_units:
        add(
            "host_unit",
            _("%(unit)s has another entry in this programme: one entry per host unit.")
            % {"unit": entry.host_unit.name},
        )
    if entry.lead is None:
        add("lead", _("An entry needs a team lead."))
    if entry.window_start is None:
        add("window_start", _("Give the first day of the window."))
    if entry.window_end is None:
        add("window_end", _("Give the last day of the window."))
    elif entry.window_start is not None and entry.window_end < entry.window_start:
        add("window_end", _("The window cannot end before it starts."))
    team = [(person, role) for person, role in entry.team() if person is not None]
    if len(team) > MAX_TEAM:
        add("members", _("A team has at most %(limit)s members.") % {"limit": MAX_TEAM})
    seen_people: set[int] = set()
    for person, role in team:
        name = "members" if role == Role.MEMBER else role
        if not person.is_active:
            add(name, _("%(person)s cannot log in any more.") % {"person": person})
        if person.pk in seen_people:
            add(name, _("%(person)s already has a role in this team.") % {"person": person})
        seen_people.add(person.pk)
    return errors


def _validate_entries(actor: Person | None, entries: Sequence[ProgrammeEntryInput]) -> None:
    if len(entries) > MAX_PROGRAMME_ENTRIES:
        raise Invalid(
            {
                "entries": _("A programme has at most %(limit)s entries.")
                % {"limit": MAX_PROGRAMME_ENTRIES}
            }
        )
    errors: dict[str, list[str]] = {}
    seen_units: set[int] = set()
    for index, entry in enumerate(entries):
        errors.update(_entry_errors(actor, index, entry, seen_units))
        if entry.host_unit is not None:
            seen_units.add(entry.host_unit.pk)
    if errors:
        raise Invalid(errors)


def _entry_summary(entries: Iterable[ProgrammeEntryInput]) -> list[list[Any]]:
    """The entries as the audit trail keeps them (codes and usernames, ISO dates)."""
    return [
        [
            entry.host_unit.code,
            [[person.get_username(), role] for person, role in entry.team()],
            entry.window_start.isoformat(),
            entry.window_end.isoformat(),
        ]
        for entry in entries
    ]


def _write_entries(
    programme: Programme, entries: Sequence[ProgrammeEntryInput]
) -> list[ProgrammeEntry]:
    """Replace the (draft) programme's entries: a handful of queries, whatever
    their number."""
    programme.entries.all().delete()
    rows = ProgrammeEntry.objects.bulk_create(
        ProgrammeEntry(
            programme=programme,
            position=index,
            host_unit=entry.host_unit,
            lead=entry.lead,
            deputy=entry.deputy,
            secretary=entry.secretary,
            window_start=entry.window_start,
            window_end=entry.window_end,
        )
        for index, entry in enumerate(entries)
    )
    Through = ProgrammeEntry.members.through
    Through.objects.bulk_create(
        Through(programmeentry_id=row.pk, user_id=member.pk)
        for row, entry in zip(rows, entries, strict=True)
        for member in entry.members
    )
    return rows


def _set_legal_basis(programme: Programme, legal_basis: Iterable[LegalInstrument]) -> list[int]:
    ids = sorted({instrument.pk for instrument in legal_basis})
    programme.legal_basis.set(ids)
    return ids


# --- writes --------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    actor: User | None,
    code: str,
    title: str,
    issuer: Unit,
    year: int,
    outline: Outline,
    decision_ref: str = "",
    legal_basis: Iterable[LegalInstrument] = (),
    entries: Sequence[ProgrammeEntryInput] = (),
) -> Programme:
    """A new draft programme of `issuer` (a unit within the coordinator's scope),
    with its entries."""
    if actor is not None and not is_coordinator(actor):
        raise NotAllowed(_("Only coordinators plan programmes."))
    programme = Programme(
        code=code,
        title=title,
        issuer=issuer,
        year=year,
        outline=outline,
        decision_ref=decision_ref,
        created_by=actor,
    )
    _validate_header(actor, programme)
    _validate_entries(actor, entries)
    programme.save()
    decision_link(actor=actor, obj=programme)
    basis = _set_legal_basis(programme, legal_basis)
    _write_entries(programme, entries)
    audit_record(
        actor=actor,
        action="create",
        obj=programme,
        changes={
            "code": code,
            "title": title,
            "issuer": issuer.code,
            "year": year,
            "outline": str(outline),
            "decision_ref": decision_ref,
            "legal_basis": basis,
            "entries": _entry_summary(entries),
        },
    )
    return programme


@transaction.atomic
def programme_update(
    *,
    actor: User | None,
    programme: Programme,
    expected_version: int | None = None,
    legal_basis: Iterable[LegalInstrument] | None = None,
    entries: Sequence[ProgrammeEntryInput] | None = None,
    **changes: Any,
) -> Programme:
    """Change a draft programme: its header fields, its legal basis, its entries
    (replaced as a whole), all or nothing."""
    _authorize(actor, programme)
    unknown = set(changes) - set(PROGRAMME_EDITABLE_FIELDS)
    if unknown:
        raise Invalid({name: _("This field cannot be changed here.") for name in unknown})
    locked = _locked(programme, expected_version)
    _require_status(
        locked, Status.DRAFT, _("Only a draft programme changes; this one is %(status)s.")
    )
    before = {name: getattr(locked, name) for name in changes}
    for name, value in changes.items():
        setattr(locked, name, value)
    _validate_header(actor, locked)
    if entries is not None:
        _validate_entries(actor, entries)
    diff = field_changes(before, changes)
    audited: dict[str, Any] = {
        name: {k: str(v) if isinstance(v, AUDITED_AS_TEXT) else v for k, v in change.items()}
        for name, change in diff.items()
    }
    if diff:
        locked.save(update_fields=[*diff, "updated_at"])
        if "decision_ref" in diff:
            decision_link(actor=actor, obj=locked)
    if legal_basis is not None:
        before_basis = sorted(locked.legal_basis.values_list("pk", flat=True))
        after_basis = _set_legal_basis(locked, legal_basis)
        if before_basis != after_basis:
            audited["legal_basis"] = {"from": before_basis, "to": after_basis}
    if entries is not None:
        _write_entries(locked, entries)
        audited["entries"] = _entry_summary(entries)
    if audited:
        _bump_version(locked)
        audit_record(actor=actor, action="update", obj=locked, changes=audited)
    return locked


@transaction.atomic
def programme_entries_replace(
    *,
    actor: User | None,
    programme: Programme,
    entries: Sequence[ProgrammeEntryInput],
    expected_version: int | None = None,
) -> list[ProgrammeEntry]:
    """Replace a draft programme's entries (the API's PUT and the spreadsheet
    import). Errors are keyed `entries.<index>.<field>`; nothing is saved unless
    every entry is right."""
    programme_update(
        actor=actor, programme=programme, expected_version=expected_version, entries=entries
    )
    return list(programme.entries.order_by("position", "id"))


def _move(
    *,
    actor: User | None,
    programme: Programme,
    source: str,
    target: str,
    refusal: str,
    expected_version: int | None,
) -> Programme:
    _authorize(actor, programme)
    locked = _locked(programme, expected_version)
    _require_status(locked, source, refusal)
    Programme.objects.filter(pk=locked.pk).update(status=target)
    _bump_version(locked)
    audit_record(
        actor=actor,
        action=f"transition:{target}",
        obj=locked,
        changes={"status": {"from": source, "to": target}},
    )
    return locked


@transaction.atomic
def programme_approve(
    *, actor: User | None, programme: Programme, expected_version: int | None = None
) -> Programme:
    """draft → approved: its entries are fixed, and it may create its visits."""
    _authorize(actor, programme)
    if not programme.entries.exists():
        raise Conflict(
            _("A programme without entries cannot be approved: add its host units first."),
            code="programme_empty",
        )
    return _move(
        actor=actor,
        programme=programme,
        source=Status.DRAFT,
        target=Status.APPROVED,
        refusal=_("Only a draft programme can be approved; this one is %(status)s."),
        expected_version=expected_version,
    )


@transaction.atomic
def programme_close(
    *, actor: User | None, programme: Programme, expected_version: int | None = None
) -> Programme:
    """approved → closed: it creates no more visits; those it created go on."""
    return _move(
        actor=actor,
        programme=programme,
        source=Status.APPROVED,
        target=Status.CLOSED,
        refusal=_("Only an approved programme can be closed; this one is %(status)s."),
        expected_version=expected_version,
    )


@transaction.atomic
def programme_delete(
    *, actor: User | None, programme: Programme, expected_version: int | None = None
) -> None:
    """Delete a draft programme with its entries (an approved one is closed instead)."""
    _authorize(actor, programme)
    locked = _locked(programme, expected_version)
    _require_status(
        locked,
        Status.DRAFT,
        _("Only a draft programme can be deleted; close this one, which is %(status)s."),
    )
    audit_record(
        actor=actor,
        action="delete",
        obj=locked,
        changes={"code": locked.code, "title": locked.title},
    )
    locked.delete()


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
    _authorize(actor, programme, manage=False)
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
    _authorize(actor, programme)
    locked = _locked(programme)
    _require_status(
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
        _bump_version(locked)
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


__all__ = [
    "EntryClashes",
    "ProgrammeEntryInput",
    "VisitsCreated",
    "programme_approve",
    "programme_clashes",
    "programme_close",
    "programme_create",
    "programme_create_visits",
    "programme_delete",
    "programme_entries_replace",
    "programme_update",
]
