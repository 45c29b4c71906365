"""`?format=xlsx` on the lists (SPEC §5 "exports"): the list's rows as a spreadsheet.

A list view mixes XlsxExportMixin in and names its columns (checklists.exports.
columns). The rows are the very queryset its JSON answer pages through,
`filter_queryset(get_queryset())`: the same selector, filters, search and order,
so an export never shows a row the JSON list would not (or hides one it shows).
`page` and `page_size` are ignored: every row, up to EXPORT_MAX_ROWS.

`format` is a plain query parameter here (settings: URL_FORMAT_OVERRIDE is off,
so DRF's content negotiation never sees it): absent or `json` answers the JSON
page, `xlsx` the file, anything else a 400 naming the parameter. The schema does
not list `format`: its answers (a file, not the JSON page) are documented here and
in the README rather than per list operation.

The rows are read with a server-side cursor (QuerySet.iterator with a chunk size:
on PostgreSQL a named cursor, prefetches done chunk by chunk) inside a
transaction, so the cursor needs no WITH HOLD (which would make PostgreSQL
materialise every row before the first is read); the workbook goes to a
temporary file, sent once complete, so a refusal (over the limit) sends nothing
but the problem.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from checklists.exports import Column, check_row_count, export_filename, write_xlsx

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows per fetch of the named cursor (and per prefetch of related rows).
CHUNK_SIZE = 2000


def in_chunks(queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    """The rows of a server-side cursor, CHUNK_SIZE at a time: for what a list
    adds to its rows in one query per batch."""
    rows = queryset.iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        yield chunk


class XlsxExportMixin(GenericAPIView):
    """For a DRF list view (ListModelMixin or ListAPIView). Subclasses set
    `export_stem` (the file's name before the date) and `export_title` (the
    sheet's name), and answer export_columns()."""

    export_stem: str = "export"
    export_title: Any = ""

    def export_columns(self) -> Sequence[Column]:
        raise NotImplementedError

    def export_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The list's own rows, with what the columns read joined in (never
        filtered: the rows are the JSON list's)."""
        return queryset

    def export_rows(self, queryset: QuerySet[Any]) -> Iterable[Any]:
        """The objects a column reads, one per row, in the list's order."""
        return queryset.iterator(chunk_size=CHUNK_SIZE)

    def export_filename(self) -> str:
        return export_filename(self.export_stem)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        exported = self.export_if_asked(request)
        if exported is not None:
            return exported
        return super().list(request, *args, **kwargs)  # type: ignore[misc]

    def export_if_asked(self, request: Request) -> FileResponse | None:
        """The file when `format=xlsx`; None for the JSON page (a view with a
        list() of its own calls this first)."""
        fmt = request.query_params.get("format")
        if fmt is None or fmt == "json":
            return None
        if fmt != "xlsx":
            raise ValidationError({"format": [_("Choose json or xlsx.")]})
        return self.export(request)

    def export(self, request: Request) -> FileResponse:
        # The view's own rows: its selector, filters, search and ordering.
        queryset = self.filter_queryset(self.get_queryset())
        # Refused before a cell is written; write_xlsx stops at the limit too,
        # should rows have been added since.
        check_row_count(queryset.count())
        columns = self.export_columns()
        # Closed by FileResponse once sent, or below on a refusal.
        target = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            with transaction.atomic():
                write_xlsx(
                    target,
                    columns,
                    self.export_rows(self.export_queryset(queryset)),
                    title=str(self.export_title),
                )
        except BaseException:
            target.close()
            raise
        target.seek(0)
        # FileResponse sends the file in blocks and closes it when done.
        return FileResponse(
            target,
            as_attachment=True,
            filename=self.export_filename(),
            content_type=XLSX_CONTENT_TYPE,
        )
