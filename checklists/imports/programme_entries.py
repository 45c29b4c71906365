"""A programme's entries from a spreadsheet (SPEC §5 "programmes", §13): one row
per host unit, with its team and window. This reads and checks the file; the
programme's own service replaces a draft's entries with what it returns.

Checked here, each a row error with its column: the unit code and the user names
exist (active people), the window's dates are dates and the end is not before
the start, a host unit appears once, and nobody holds two roles in one row. The
host unit must lie within the actor's scope, the rule of every coordinator's act
on a unit (checklists.policies.coordinates_unit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from checklists.imports.cells import Row, RowReader, Table
from checklists.imports.columns import Column
from checklists.imports.table import Upload, read_table
from checklists.models import Unit, User
from checklists.policies import Person, coordinates_unit, require_coordinator

PROGRAMME_ENTRY_COLUMNS = (
    Column("host_unit", "Đơn vị được kiểm tra"),
    Column("lead", "Trưởng đoàn"),
    Column("deputy", "Phó trưởng đoàn", required=False),
    Column("secretary", "Thư ký", required=False),
    Column("members", "Thành viên"),
    Column("window_start", "Từ ngày"),
    Column("window_end", "Đến ngày"),
)
PEOPLE_COLUMNS = ("lead", "deputy", "secretary", "members")


@dataclass(frozen=True)
class ProgrammeEntryRow:
    """One entry as read; `row` is its row number in the file (the header is 1),
    `headers` the file's own header of each column key, so that what the
    programme's service later finds wrong is told in the file's words."""

    row: int
    host_unit: Unit
    lead: User
    deputy: User | None
    secretary: User | None
    members: tuple[User, ...]
    window_start: dt.date
    window_end: dt.date
    headers: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def header(self, key: str) -> str:
        return self.headers.get(key, key)


def programme_entries_read(upload: Upload, *, actor: Person | None) -> list[ProgrammeEntryRow]:
    """The entries of a file, or an Invalid refusal listing every bad cell."""
    require_coordinator(actor, gettext_lazy("Only coordinators plan programmes."))
    return programme_entries_from_table(read_table(upload, PROGRAMME_ENTRY_COLUMNS), actor=actor)


def programme_entries_from_table(table: Table, *, actor: Person | None) -> list[ProgrammeEntryRow]:
    """The entries of a file already read (read_table with PROGRAMME_ENTRY_COLUMNS)."""
    require_coordinator(actor, gettext_lazy("Only coordinators plan programmes."))
    units, people = _look_ups(table)
    seen: dict[str, int] = {}
    entries = []
    for row in table.rows:
        cells = RowReader(table, row, table.errors)
        host_unit = _host_unit(cells, units, actor, seen)
        lead = _person(cells, "lead", cells.text("lead", required=True), people)
        deputy = _person(cells, "deputy", cells.text("deputy"), people)
        secretary = _person(cells, "secretary", cells.text("secretary"), people)
        members = tuple(
            person
            for name in split_names(cells.text("members"))
            if (person := _person(cells, "members", name, people)) is not None
        )
        start = cells.date("window_start", required=True)
        end = cells.date("window_end", required=True)
        if start and end and end < start:
            cells.error("window_end", _("The window cannot end before it starts."))
        _one_role_each(cells, lead, deputy, secretary, members)
        if cells.failed or host_unit is None or lead is None or start is None or end is None:
            continue
        entries.append(
            ProgrammeEntryRow(
                row=row.number,
                host_unit=host_unit,
                lead=lead,
                deputy=deputy,
                secretary=secretary,
                members=members,
                window_start=start,
                window_end=end,
                headers=table.headers,
            )
        )
    table.errors.raise_if_any()
    return entries


def split_names(text: str) -> list[str]:
    """User names separated by commas (semicolons and line breaks too, as people type)."""
    for separator in (";", "\n"):
        text = text.replace(separator, ",")
    return [name.strip() for name in text.split(",") if name.strip()]


def _look_ups(table: Table) -> tuple[dict[str, Unit], dict[str, User]]:
    """Every unit and person the file names, in two queries."""

    def cell(row: Row, key: str) -> str:
        return str(row.cells.get(key) or "").strip()

    codes = {cell(row, "host_unit") for row in table.rows}
    names = {
        name for row in table.rows for key in PEOPLE_COLUMNS for name in split_names(cell(row, key))
    }
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=codes)}
    people = {
        person.username: person
        for person in User.objects.filter(username__in=names, is_active=True)
    }
    return units, people


def _host_unit(
    cells: RowReader, units: Mapping[str, Unit], actor: Person | None, seen: dict[str, int]
) -> Unit | None:
    code = cells.text("host_unit", required=True)
    if not code:
        return None
    cells.unique("host_unit", code, seen)
    unit = units.get(code)
    if unit is None:
        cells.error("host_unit", _("No unit has the code “%(code)s”.") % {"code": code})
    elif actor is not None and not coordinates_unit(actor, unit):
        cells.error(
            "host_unit",
            _("%(unit)s is outside your scope, so you may not plan a visit to it.")
            % {"unit": unit},
        )
        return None
    return unit


def _person(cells: RowReader, key: str, username: str, people: Mapping[str, User]) -> User | None:
    if not username:
        return None
    person = people.get(username)
    if person is None:
        cells.error(
            key, _("Nobody active has the user name “%(username)s”.") % {"username": username}
        )
    return person


def _one_role_each(
    cells: RowReader,
    lead: User | None,
    deputy: User | None,
    secretary: User | None,
    members: tuple[User, ...],
) -> None:
    """A person holds one role on a team (SPEC §5 `team`: user and role)."""
    taken: set[int] = set()
    for key, people in (
        ("lead", (lead,)),
        ("deputy", (deputy,)),
        ("secretary", (secretary,)),
        ("members", members),
    ):
        for person in people:
            if person is None:
                continue
            if person.pk in taken:
                cells.error(
                    key,
                    _("%(person)s already has another role in this row; each person holds one.")
                    % {"person": person.username},
                )
            taken.add(person.pk)
