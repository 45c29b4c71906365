"""Programmes (SPEC §13): plan many visits together as a draft with one entry per
host unit, approve it, close it. Its clash check and the creation of its visits
are checklists.services.programme_visits.

Who may: coordinators whose subtree holds the programme's issuer read it; those
whose subtree also holds every entry's host unit manage it (checklists.policies
.authorize_programme); anyone else is told it does not exist. Status:
draft → approved → closed; only a draft changes or is deleted, only an approved
programme creates its visits, and closing it leaves its visits as they are (they
have lives of their own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.errors import Conflict, Invalid, NotAllowed, StaleObjectError
from checklists.limits import MAX_PROGRAMME_ENTRIES, MAX_TEAM
from checklists.models import (
    LegalInstrument,
    Outline,
    Programme,
    ProgrammeEntry,
    TeamMembership,
    Unit,
    User,
)
from checklists.policies import Person, authorize_programme, coordinates_unit, is_coordinator
from checklists.services.audit import audit_record, field_changes
from checklists.services.legal_instruments import decision_link

Status = Programme.Status
Role = TeamMembership.Role

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


# --- checks --------------------------------------------------------------------------


def _host_units(programme: Programme) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=programme.entries.values("host_unit_id")))


def programme_authorize(actor: Person | None, programme: Programme, *, manage: bool = True) -> None:
    authorize_programme(
        actor,
        issuer=programme.issuer,
        host_units=_host_units(programme) if manage and actor is not None else (),
        manage=manage,
    )


def programme_lock(programme: Programme, expected_version: int | None = None) -> Programme:
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


def programme_require_status(programme: Programme, status: str, message: str) -> None:
    if programme.status != status:
        raise Conflict(
            message % {"status": Status(programme.status).label}, code="programme_status"
        )


def programme_bump_version(programme: Programme) -> None:
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
    programme_authorize(actor, programme)
    unknown = set(changes) - set(PROGRAMME_EDITABLE_FIELDS)
    if unknown:
        raise Invalid({name: _("This field cannot be changed here.") for name in unknown})
    locked = programme_lock(programme, expected_version)
    programme_require_status(
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
        programme_bump_version(locked)
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
    programme_authorize(actor, programme)
    locked = programme_lock(programme, expected_version)
    programme_require_status(locked, source, refusal)
    Programme.objects.filter(pk=locked.pk).update(status=target)
    programme_bump_version(locked)
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
    programme_authorize(actor, programme)
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
    programme_authorize(actor, programme)
    locked = programme_lock(programme, expected_version)
    programme_require_status(
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


__all__ = [
    "ProgrammeEntryInput",
    "entry_team",
    "programme_approve",
    "programme_authorize",
    "programme_bump_version",
    "programme_close",
    "programme_create",
    "programme_delete",
    "programme_entries_replace",
    "programme_lock",
    "programme_require_status",
    "programme_update",
]
