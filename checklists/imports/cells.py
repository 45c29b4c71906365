"""Typed cells and the errors of an import: every bad cell is recorded with its
row and column, and the import is refused once, at the end, with all of them."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel  # type: ignore[import-untyped]  # no stubs

from checklists.errors import Invalid
from checklists.imports.columns import normalise_header

# A refusal lists at most this many errors: enough to fix a file, and a problem
# body that stays small when every one of 20,000 rows is wrong.
MAX_ERRORS = 500
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Excel's day numbers of 1 Jan 1900 and 31 Dec 9999: a number in a date column
# is an Excel date when it lies between them.
_EXCEL_DAYS = (1, 2_958_465)


@dataclass(frozen=True)
class Row:
    """One row of data: `number` as the spreadsheet shows it (the header is row 1),
    `cells` the raw values by column key (None when empty)."""

    number: int
    cells: dict[str, Any]


@dataclass(frozen=True)
class RowError:
    """`row` as the spreadsheet shows it (the header is row 1); `column` as the
    file's header says it (the SPEC name when the column is missing)."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}

    def sentence(self) -> str:
        return _("Row %(row)s, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportErrors:
    items: list[RowError] = field(default_factory=list)

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append(RowError(row, column, str(message)))

    def add_validation(
        self, row: int, error: ValidationError, columns: Mapping[str, str], default: str
    ) -> None:
        """A service's ValidationError, its fields named as the file's columns
        (`columns` maps a model field to a header; others fall on `default`)."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add(row, columns.get(name, default), message)
        else:
            for message in error.messages:
                self.add(row, default, message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise import_refusal(self.items)


@dataclass(frozen=True)
class Table:
    """The rows of a file; `headers` maps a column's key to its header as given;
    `errors` collects the errors of the whole import."""

    headers: dict[str, str]
    rows: list[Row]
    errors: ImportErrors

    def header(self, key: str) -> str:
        return self.headers.get(key, key)


def import_refusal(errors: Iterable[RowError]) -> Invalid:
    """The refusal of a whole import: `file` lists the sentences, the problem
    member `rows` the same errors for a program (at most MAX_ERRORS of them)."""
    items = sorted(errors, key=lambda error: error.row)
    shown = items[:MAX_ERRORS]
    sentences = [error.sentence() for error in shown]
    if len(items) > len(shown):
        sentences.append(
            _("… and %(count)s more errors. Nothing was saved; correct these and import again.")
            % {"count": len(items) - len(shown)}
        )
    return Invalid({"file": sentences}, rows=[error.as_dict() for error in shown])


def file_refusal(message: str, *, column: str = "", row: int = 1) -> Invalid:
    """A refusal of the file as a whole (an empty file, a missing column)."""
    return import_refusal([RowError(row, column, message)])


def cell_text(value: Any) -> str:
    """A cell as text: a whole number typed in Excel (read as 12.0) is "12"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


class RowReader:
    """The typed values of one row; a bad cell is recorded in `errors` and read as
    None, so that the rest of the row is still checked."""

    def __init__(self, table: Table, row: Row, errors: ImportErrors) -> None:
        self.table = table
        self.row = row
        self.errors = errors
        self.failed = False

    def error(self, key: str, message: str) -> None:
        self.failed = True
        self.errors.add(self.row.number, self.table.header(key), message)

    def text(self, key: str, *, required: bool = False) -> str:
        value = cell_text(self.row.cells.get(key))
        if required and not value:
            self.error(key, _("This cell is required."))
        return value

    def choice(self, key: str, choices: Mapping[str, Any], *, required: bool = False) -> str | None:
        """One of `choices` (a value or its label, whatever the case and diacritics)
        mapped to its value; empty is None."""
        text = self.text(key, required=required)
        if not text:
            return None
        wanted = normalise_header(text)
        for value, label in choices.items():
            if wanted in (normalise_header(value), normalise_header(str(label))):
                return value
        self.error(
            key,
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": text, "choices": ", ".join(choices)},
        )
        return None

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        value = self.row.cells.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and _EXCEL_DAYS[0] <= value <= _EXCEL_DAYS[1]
        ):
            converted = from_excel(value)
            return converted.date() if isinstance(converted, dt.datetime) else None
        text = self.text(key, required=required)
        if not text:
            return None
        parsed = parse_date(text)
        if parsed is None:
            self.error(
                key,
                _("Expected a date as YYYY-MM-DD or dd/mm/yyyy, not “%(value)s”.")
                % {"value": text},
            )
        return parsed

    def unique(self, key: str, value: str, seen: dict[str, int]) -> None:
        """Record a value that must appear once in the file (a code, a username)."""
        if not value:
            return
        folded = value.casefold()
        if folded in seen:
            self.error(
                key,
                _("“%(value)s” is already on row %(row)s; each may appear only once.")
                % {"value": value, "row": seen[folded]},
            )
        else:
            seen[folded] = self.row.number


def parse_date(text: str) -> dt.date | None:
    """ISO (2025-03-31) or Vietnamese day-first (31/03/2025); None otherwise."""
    try:
        if _ISO_DATE.match(text):
            return dt.date.fromisoformat(text)
        if match := _DAY_MONTH_YEAR.match(text):
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None
