"""Reading the API's spreadsheet exports back (openpyxl), and the JSON list they
must equal (every page of it)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from rest_framework.test import APIClient

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_of(response: Any):
    assert response.status_code == 200, getattr(response, "data", response)
    assert response["Content-Type"] == XLSX_TYPE
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(response: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """(headers, rows as {header: value}) of the export's one sheet."""
    sheet = workbook_of(response).active
    values = list(sheet.iter_rows(values_only=True))
    headers = [str(h) for h in values[0]]
    return headers, [dict(zip(headers, row, strict=True)) for row in values[1:]]


def export(client: APIClient, url: str, params: dict[str, Any] | None = None):
    return client.get(url, {**(params or {}), "format": "xlsx"})


def all_pages(
    client: APIClient, url: str, params: dict[str, Any] | None = None, *, page_size: int = 2
) -> list[dict[str, Any]]:
    """Every row of the JSON list, page after page (small pages, so that the
    export is seen to ignore paging)."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        response = client.get(url, {**(params or {}), "page": page, "page_size": page_size})
        assert response.status_code == 200, response.data
        rows += response.data["results"]
        if not response.data["next"]:
            return rows
        page += 1
