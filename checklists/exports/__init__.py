"""Spreadsheet exports of the lists (SPEC §5 "exports", §12 "Spreadsheets").

A list declares its columns once (checklists.exports.columns); write_xlsx turns the
rows the list's own selector answers into an .xlsx. Whoever calls it decides which
rows: this module never widens or narrows them, so an export shows exactly what
the JSON list shows the same person.

Memory stays flat in the number of rows: XlsxWriter's `constant_memory` mode
writes each row to a temporary file as soon as it is complete (and keeps no
shared-string table), and the caller reads the rows with a server-side cursor.

Cells are typed, so that a spreadsheet can sort and sum them:

- text as text, always (`write_string`: a value starting with `=` stays text and
  never becomes a formula);
- whole and decimal numbers as numbers, a share (progress 0 to 1) as a percent;
- dates as Excel dates, times as Excel date-times in Vietnam time (the project's
  TIME_ZONE, Asia/Ho_Chi_Minh) without an offset, since Excel has none; both
  shown day first in Vietnamese (`dd/mm/yyyy`), ISO order in English;
- yes/no as Excel booleans (TRUE/FALSE, which Excel shows in its own language);
- an empty value as an empty cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from checklists.errors import TooLarge
from checklists.numbers import format_number

TEXT, INTEGER, DECIMAL, PERCENT, DATE, DATETIME, BOOLEAN, ANY = (
    "text",
    "integer",
    "decimal",
    "percent",
    "date",
    "datetime",
    "boolean",
    # A column whose cells differ in kind (a checklist answer): each by its value.
    "any",
)
# Excel's widths are in characters of the default font; past this a column
# wraps nothing and only pushes the others off the screen.
MAX_WIDTH = 60
# Excel's sheet names: at most 31 characters, none of these.
_SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    """One column: its header (already in the person's language), how to read a
    row's value, the kind of cell, and a width in characters."""

    header: str
    value: Callable[[Any], Any]
    kind: str = TEXT
    width: int = 12


def column(header: Any, value: Callable[[Any], Any], kind: str = TEXT, width: int = 12) -> Column:
    """A Column whose header is translated now (a lazy msgid or a model field's
    verbose name), with a capital first letter."""
    return Column(header=str(capfirst(str(header))), value=value, kind=kind, width=width)


def export_max_rows() -> int:
    return settings.EXPORT_MAX_ROWS


def too_many_rows(limit: int) -> TooLarge:
    return TooLarge(
        _(
            "An export holds at most %(limit)s rows (EXPORT_MAX_ROWS); this one would "
            "hold more. Narrow the filters and export again."
        )
        % {"limit": format_number(limit)},
        limit=limit,
    )


def check_row_count(count: int, limit: int | None = None) -> None:
    """TooLarge naming the limit when `count` rows are more than an export holds."""
    limit = export_max_rows() if limit is None else limit
    if count > limit:
        raise too_many_rows(limit)


def export_filename(stem: str, today: dt.date | None = None) -> str:
    """`visits-2026-12-06.xlsx`: what the list holds and the local day it was taken."""
    return f"{stem}-{(today or timezone.localdate()).isoformat()}.xlsx"


def _local_naive(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return value.replace(tzinfo=None)


def _sheet_name(title: str) -> str:
    return (title.translate(_SHEET_NAME_FORBIDDEN).strip() or "Sheet1")[:31]


def write_xlsx(
    target: IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Any],
    *,
    title: str,
    limit: int | None = None,
) -> int:
    """Write the rows as one sheet named `title` (a header row, frozen, with an
    autofilter) to the open binary file `target`; answer how many rows it wrote.

    More than `limit` rows (EXPORT_MAX_ROWS by default) raise TooLarge before the
    workbook is finished: the caller throws the partial file away."""
    limit = export_max_rows() if limit is None else limit
    day_first = not (translation.get_language() or "").startswith("en")
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            # Nothing of a cell's text is ever read as a formula, a URL or a number.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        sheet = workbook.add_worksheet(_sheet_name(title))
        header = workbook.add_format({"bold": True, "bottom": 1})
        formats = {
            DATE: workbook.add_format({"num_format": "dd/mm/yyyy" if day_first else "yyyy-mm-dd"}),
            DATETIME: workbook.add_format(
                {"num_format": "dd/mm/yyyy hh:mm" if day_first else "yyyy-mm-dd hh:mm"}
            ),
            PERCENT: workbook.add_format({"num_format": "0%"}),
            INTEGER: workbook.add_format({"num_format": "0"}),
        }
        for index, col in enumerate(columns):
            width = min(MAX_WIDTH, max(col.width, len(col.header) + 2))
            sheet.set_column(index, index, width)
            sheet.write_string(0, index, col.header, header)
        sheet.freeze_panes(1, 0)
        writers = [_cell_writer(sheet, col.kind, formats) for col in columns]
        count = 0
        for row in rows:
            count += 1
            if count > limit:
                raise too_many_rows(limit)
            for index, col in enumerate(columns):
                value = col.value(row)
                if value is None or value == "":
                    continue
                writers[index](count, index, value)
        sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    finally:
        # Closing also removes the temporary files of constant_memory mode.
        workbook.close()
    return count


def _cell_writer(sheet: Any, kind: str, formats: dict[str, Any]) -> Callable[[int, int, Any], Any]:
    if kind in (INTEGER, DECIMAL, PERCENT):
        number_format = formats.get(kind)

        def write_number(r: int, c: int, v: Any) -> Any:
            return sheet.write_number(
                r, c, float(v) if isinstance(v, Decimal) else v, number_format
            )

        return write_number
    if kind == DATE:
        return lambda r, c, v: sheet.write_datetime(r, c, v, formats[DATE])
    if kind == DATETIME:
        return lambda r, c, v: sheet.write_datetime(r, c, _local_naive(v), formats[DATETIME])
    if kind == BOOLEAN:
        return lambda r, c, v: sheet.write_boolean(r, c, bool(v))
    if kind == ANY:
        by_type = {
            key: _cell_writer(sheet, key, formats)
            for key in (BOOLEAN, DECIMAL, DATETIME, DATE, TEXT)
        }

        def write_any(r: int, c: int, v: Any) -> Any:
            if isinstance(v, bool):
                return by_type[BOOLEAN](r, c, v)
            if isinstance(v, int | float | Decimal):
                return by_type[DECIMAL](r, c, v)
            if isinstance(v, dt.datetime):
                return by_type[DATETIME](r, c, v)
            if isinstance(v, dt.date):
                return by_type[DATE](r, c, v)
            return by_type[TEXT](r, c, v)

        return write_any
    return lambda r, c, v: sheet.write_string(r, c, str(v))


__all__ = [
    "ANY",
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "DECIMAL",
    "INTEGER",
    "PERCENT",
    "TEXT",
    "Column",
    "check_row_count",
    "column",
    "export_filename",
    "export_max_rows",
    "write_xlsx",
]
