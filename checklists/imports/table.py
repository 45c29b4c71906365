"""Reading an uploaded spreadsheet into rows, after refusing what could hurt.

Order of the checks, each before anything further is read:

1. size (IMPORT_MAX_BYTES) and emptiness;
2. what the file is, by its first bytes: a ZIP must be an .xlsx workbook that
   passes the upload checks (checklists.uploads.check_workbook: archive limits,
   macros, external links, data connections, DDE, OLE, ActiveX); an OLE file is
   an old .xls or an encrypted workbook; anything else must be UTF-8 text (a BOM
   is allowed), read as CSV with the delimiter of its header line (`,` or `;`);
3. the rows, streamed (openpyxl's read-only mode), stopping as soon as there are
   more than IMPORT_MAX_ROWS: a big sheet is never loaded whole. Formulas are not
   read as values: a DDE formula refuses the file, another is a cell error.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _
from openpyxl import load_workbook  # type: ignore[import-untyped]  # no stubs

from checklists.imports.cells import ImportErrors, Row, Table, cell_text, file_refusal
from checklists.imports.columns import Column
from checklists.uploads import UploadInvalid, UploadTooLarge, check_workbook
from checklists.uploads.refusals import active_content, corrupt

Upload = bytes | IO[bytes] | File
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The widest header read: far more than any import has, and a bound on the work a
# sheet claiming 16,384 columns can cause.
MAX_COLUMNS = 64
# A formula that asks another program for data: `=cmd|' /C calc'!A0`.
DDE_MARK = "|"
# What makes Excel read a CSV cell as a formula (`+cmd|…` and `@SUM(…)` work too).
FORMULA_STARTS = ("=", "+", "-", "@")


def read_table(upload: Upload, columns: Sequence[Column]) -> Table:
    """The rows of an uploaded .xlsx or .csv, or an Invalid / TooLarge refusal.
    `errors` starts with the cells that could not be read (formulas) and collects
    the kind's own errors."""
    data = read_bounded(upload)
    if data.startswith(ZIP_SIGNATURE):
        raw_rows = _workbook_rows(data)
    elif data.startswith(OLE_SIGNATURE):
        raise UploadInvalid(
            _(
                "This is an old Excel (.xls) file or a password-protected workbook. Save it "
                "as an Excel workbook (.xlsx) without a password and import that."
            ),
            code="unsupported_type",
        )
    else:
        raw_rows = _csv_rows(data)
    errors = ImportErrors()
    header_row = next(raw_rows, None)
    headers = _map_headers(header_row or (), columns)
    rows: list[Row] = []
    limit = settings.IMPORT_MAX_ROWS
    for number, values in enumerate(raw_rows, start=2):
        cells: dict[str, Any] = {}
        for index, key in headers.positions.items():
            value = values[index] if index < len(values) else None
            if isinstance(value, _Formula):
                errors.add(
                    number,
                    headers.given[key],
                    _("This cell holds a formula; type or paste its value instead."),
                )
                value = None
            cells[key] = value
        if all(cell_text(value) == "" for value in cells.values()):
            continue  # an empty line between rows, or trailing formatted rows
        rows.append(Row(number, cells))
        if len(rows) > limit:
            raise UploadTooLarge(
                _("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": f"{limit:,}"},
                code="too_many_rows",
            )
    if not rows:
        raise file_refusal(_("The file has a header row but no rows below it."))
    return Table(headers=headers.given, rows=rows, errors=errors)


def read_bounded(upload: Upload) -> bytes:
    limit = settings.IMPORT_MAX_BYTES
    if isinstance(upload, bytes):
        data = upload
    else:
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(
            _("The file is larger than %(limit)s MB; split it into smaller files.")
            % {"limit": f"{limit / (1024 * 1024):.3g}"},
        )
    if not data:
        raise UploadInvalid(
            _("The file is empty. Import an Excel workbook (.xlsx) or a CSV file."), code="empty"
        )
    return data


def _in_spreadsheet_words(refusal: UploadInvalid) -> UploadInvalid:
    """The upload checks speak of documents (their first use is draft reports);
    the refusals a workbook meets most are said again for a spreadsheet."""
    if refusal.code == "macros":
        return UploadInvalid(
            _(
                "The workbook contains macros, which are not accepted. Save it as an Excel "
                "workbook (.xlsx, without macros) and import that."
            ),
            code="macros",
        )
    if refusal.code == "archive_too_large":
        return UploadInvalid(
            _(
                "The workbook expands to far more than its rows can need when opened; it may "
                "be a “zip bomb”. Save the rows in a new workbook and import that."
            ),
            code="archive_too_large",
        )
    return refusal


class _Formula(str):
    """A cell that holds a formula (its text), never taken as a value."""


def _workbook_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        check_workbook(io.BytesIO(data), len(data))
    except UploadInvalid as refusal:
        raise _in_spreadsheet_words(refusal) from None
    try:
        # read_only streams the sheet's XML; data_only=False keeps formulas as
        # formulas, so that none slips in as a value.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise corrupt() from None
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        workbook.close()
        raise file_refusal(_("The workbook has no sheet."))
    return _sheet_rows(workbook, sheet)


def _sheet_rows(workbook: Any, sheet: Any) -> Iterator[tuple[Any, ...]]:
    try:
        for cells in sheet.iter_rows(max_col=MAX_COLUMNS):
            values = []
            for cell in cells:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" and isinstance(value, str):
                    if DDE_MARK in value:
                        raise active_content("dde")
                    value = _Formula(value)
                values.append(value)
            yield tuple(values)
    except (KeyError, OSError, ValueError, TypeError, zipfile.BadZipFile):
        raise corrupt() from None
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if text and not text.strip():
        raise UploadInvalid(
            _("The file is empty. Import an Excel workbook (.xlsx) or a CSV file."), code="empty"
        )
    if not text or "\x00" in text:
        raise UploadInvalid(
            _(
                "This file is neither an Excel workbook (.xlsx) nor a CSV file in UTF-8. "
                "Save it as one of them and import it again."
            ),
            code="unsupported_type",
        )
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            for values in reader:
                cells = tuple(value or None for value in values[:MAX_COLUMNS])
                if any(
                    value and value.startswith(FORMULA_STARTS) and DDE_MARK in value
                    for value in cells
                ):
                    raise active_content("dde")
                yield cells
        except csv.Error:
            raise corrupt() from None

    return rows()


@dataclass(frozen=True)
class _Headers:
    given: dict[str, str]  # key → header as written in the file
    positions: dict[int, str]  # column index → key


def _map_headers(header_row: Sequence[Any], columns: Sequence[Column]) -> _Headers:
    """Match row 1 to the columns; refuse the file when a header is unknown, given
    twice, or a required column is missing (all of them at once)."""
    errors = ImportErrors()
    given: dict[str, str] = {}
    positions: dict[int, str] = {}
    expected = ", ".join(column.key for column in columns)
    for index, value in enumerate(header_row):
        header = cell_text(value)
        if not header:
            continue
        column = next((column for column in columns if column.matches(header)), None)
        if column is None:
            errors.add(
                1,
                header,
                _("This column is not known. The columns are: %(columns)s.")
                % {"columns": expected},
            )
        elif column.key in given:
            errors.add(
                1,
                header,
                _("This column is given twice (also as “%(other)s”).")
                % {"other": given[column.key]},
            )
        else:
            given[column.key] = header
            positions[index] = column.key
    if not given and not errors:
        raise file_refusal(
            _("The file has no header row. The first row names the columns: %(columns)s.")
            % {"columns": expected}
        )
    for column in columns:
        if column.required and column.key not in given:
            errors.add(
                1,
                column.title(),
                _("This column is required and missing (“%(key)s” or “%(vi)s”).")
                % {"key": column.key, "vi": column.vi},
            )
    errors.raise_if_any()
    return _Headers(given=given, positions=positions)
