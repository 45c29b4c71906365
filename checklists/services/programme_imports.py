"""A draft programme's entries from a spreadsheet (SPEC §5 "programmes", §13):
the file is read and checked cell by cell (checklists.imports.programme_entries),
then its rows replace the entries through programme_entries_replace, the same
door as the API's PUT, all or nothing.

What only the programme's service can find (the size of a team, a rule added
there later) comes back keyed `entries.<index>.<field>`; it is told again as a
row error with the row number and the column as the file names them, so the
person always sees where to correct the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import fields

from django.utils.translation import gettext as _

from checklists.errors import Invalid
from checklists.imports import RowError, Table, import_refusal, read_table
from checklists.imports.programme_entries import (
    PROGRAMME_ENTRY_COLUMNS,
    ProgrammeEntryRow,
    programme_entries_from_table,
)
from checklists.imports.table import Upload
from checklists.models import Programme, ProgrammeEntry, User
from checklists.services.programmes import (
    ProgrammeEntryInput,
    Status,
    programme_authorize,
    programme_entries_replace,
    programme_require_status,
)

_ENTRY_KEY = re.compile(r"^entries\.(\d+)\.(\w+)$")


def programme_import(
    *,
    actor: User | None,
    programme: Programme,
    upload: Upload,
    expected_version: int | None = None,
) -> list[ProgrammeEntry]:
    """Replace a draft programme's entries with the rows of an .xlsx or .csv file.
    Refusals: 404 for who may not see it, 409 unless it is a draft (before the
    file is read: its cells do not matter then), 400 with `rows` (row, column,
    message) for every bad cell; nothing is saved unless every row is right."""
    programme_import_allowed(actor=actor, programme=programme)
    return programme_import_table(
        actor=actor,
        programme=programme,
        table=read_table(upload, PROGRAMME_ENTRY_COLUMNS),
        expected_version=expected_version,
    )


def programme_import_allowed(*, actor: User | None, programme: Programme) -> None:
    """Who may import a programme's entries, and when: 404 for who may not see
    it, 403 for who may not manage it, 409 unless it is a draft."""
    programme_authorize(actor, programme)
    programme_require_status(
        programme, Status.DRAFT, _("Only a draft programme changes; this one is %(status)s.")
    )


def programme_import_table(
    *,
    actor: User | None,
    programme: Programme,
    table: Table,
    expected_version: int | None = None,
) -> list[ProgrammeEntry]:
    """programme_import of a file already read (read_table with
    PROGRAMME_ENTRY_COLUMNS)."""
    programme_import_allowed(actor=actor, programme=programme)
    rows = programme_entries_from_table(table, actor=actor)
    try:
        return programme_entries_replace(
            actor=actor,
            programme=programme,
            entries=[_entry(row) for row in rows],
            expected_version=expected_version,
        )
    except Invalid as refusal:
        raise _as_row_errors(refusal, rows) from refusal


def _entry(row: ProgrammeEntryRow) -> ProgrammeEntryInput:
    """A row read is an entry: the same fields, without its row number."""
    return ProgrammeEntryInput(
        **{f.name: getattr(row, f.name) for f in fields(ProgrammeEntryInput)}
    )


def _as_row_errors(refusal: Invalid, rows: Sequence[ProgrammeEntryRow]) -> Invalid:
    """The service's `entries.<index>.<field>` errors as the file's rows and
    columns; an error of the whole programme (too many entries) falls on the
    header row, with no column."""
    if not hasattr(refusal, "error_dict"):
        return import_refusal(RowError(1, "", message) for message in refusal.messages)
    errors: list[RowError] = []
    for key, messages in refusal.message_dict.items():
        match = _ENTRY_KEY.match(key)
        if match and int(match[1]) < len(rows):
            row = rows[int(match[1])]
            errors.extend(RowError(row.row, row.header(match[2]), text) for text in messages)
        else:
            errors.extend(RowError(1, "", text) for text in messages)
    return import_refusal(errors)


__all__ = ["programme_import", "programme_import_allowed", "programme_import_table"]
