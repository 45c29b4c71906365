"""The spreadsheet reader (checklists.imports): recognised by content, hostile
files refused before a cell is read, headers in English or Vietnamese, typed
cells, every error with its row and column."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from checklists.errors import Invalid, TooLarge
from checklists.imports import RowReader, read_table
from checklists.imports.cells import parse_date
from checklists.imports.columns import Column, normalise_header
from tests.spreadsheets import (
    csv_bytes,
    upload,
    with_external_link,
    with_macros,
    xlsx,
    zip_bomb,
)

COLUMNS = (
    Column("code", "Mã đơn vị"),
    Column("name", "Tên"),
    Column("window_start", "Từ ngày", required=False),
)


def refusal(call) -> Invalid:
    with pytest.raises(Invalid) as caught:
        call()
    return caught.value


def test_it_maps_vietnamese_headers_whatever_the_case_and_diacritics():
    table = read_table(xlsx([["MA DON VI", "tên", "tu_ngay"], ["a", "A", None]]), COLUMNS)
    assert table.headers == {"code": "MA DON VI", "name": "tên", "window_start": "tu_ngay"}
    assert table.rows[0].cells == {"code": "a", "name": "A", "window_start": None}
    assert normalise_header("Đơn vị  cấp-trên") == "don vi cap tren"


def test_it_numbers_rows_as_the_spreadsheet_shows_them_skipping_empty_lines():
    table = read_table(xlsx([["code", "name"], ["a", "A"], [None, None], ["b", "B"]]), COLUMNS)
    assert [row.number for row in table.rows] == [2, 4]


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("bom", [True, False])
def test_it_reads_utf8_csv_with_or_without_bom_and_either_delimiter(delimiter, bom):
    content = csv_bytes(
        [["Mã đơn vị", "Tên"], ["hl", "Hạ Long, Quảng Ninh"]], delimiter=delimiter, bom=bom
    )
    if delimiter == ",":
        content = content.replace("Hạ Long, Quảng Ninh".encode(), '"Hạ Long, Quảng Ninh"'.encode())
    table = read_table(upload(content, "units.txt"), COLUMNS)
    assert table.headers["code"] == "Mã đơn vị"
    assert table.rows[0].cells["name"] == "Hạ Long, Quảng Ninh"


def test_it_names_every_missing_and_unknown_column_at_once():
    error = refusal(
        lambda: read_table(xlsx([["code", "colour", "Mã đơn vị"], ["a", "x", "b"]]), COLUMNS)
    )
    rows = error.extra["rows"]
    assert {"row": 1, "column": "colour", "message": rows[0]["message"]} in rows
    assert "not known" in rows[0]["message"] and "code, name, window_start" in rows[0]["message"]
    assert any(r["column"] == "Mã đơn vị" and "twice" in r["message"] for r in rows)
    assert any(r["column"] == "name" and "required" in r["message"] for r in rows)
    assert error.message_dict["file"][0].startswith("Row 1, column")


def test_it_refuses_an_empty_file_and_a_file_with_only_a_header():
    empty = refusal(lambda: read_table(b"", COLUMNS))
    assert "empty" in empty.message_dict["file"][0]
    header_only = refusal(lambda: read_table(csv_bytes([["code", "name"]]), COLUMNS))
    assert "no rows" in header_only.message_dict["file"][0]
    blank = refusal(lambda: read_table(xlsx([]), COLUMNS))
    assert "header" in blank.message_dict["file"][0]


def test_it_refuses_a_workbook_with_macros_before_reading_it():
    error = refusal(lambda: read_table(with_macros(xlsx([["code", "name"], ["a", "A"]])), COLUMNS))
    assert error.code == "macros" and "macros" in error.message_dict["file"][0]


def test_it_refuses_a_workbook_linking_to_another_workbook():
    content = with_external_link(xlsx([["code", "name"], ["a", "A"]]))
    assert refusal(lambda: read_table(content, COLUMNS)).code == "workbook_link"


def test_it_refuses_a_zip_bomb():
    content = zip_bomb(xlsx([["code", "name"], ["a", "A"]]))
    error = refusal(lambda: read_table(content, COLUMNS))
    assert error.code == "archive_too_large" and "zip bomb" in error.message_dict["file"][0]


def test_it_refuses_a_dde_formula_in_a_workbook_and_in_a_csv():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name"])
    sheet.append(["a", "=cmd|' /C calc'!A0"])
    out = io.BytesIO()
    workbook.save(out)
    assert refusal(lambda: read_table(out.getvalue(), COLUMNS)).code == "dde"
    dde_csv = csv_bytes([["code", "name"], ["a", "=cmd|' /C calc'!A0"]])
    assert refusal(lambda: read_table(dde_csv, COLUMNS)).code == "dde"


def test_it_takes_no_other_formula_as_a_value():
    table = read_table(xlsx([["code", "name"], ["a", "=1+1"]]), COLUMNS)
    assert table.rows[0].cells["name"] is None
    assert table.errors.items[0].row == 2 and table.errors.items[0].column == "name"
    assert "formula" in table.errors.items[0].message


def test_it_refuses_more_rows_than_the_setting_before_reading_the_rest(settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = [["code", "name"], *([f"u{i}", "U"] for i in range(4))]
    with pytest.raises(TooLarge) as caught:
        read_table(xlsx(rows), COLUMNS)
    assert caught.value.code == "too_many_rows" and "3" in caught.value.message
    assert len(read_table(xlsx(rows[:4]), COLUMNS).rows) == 3


def test_it_refuses_a_file_over_the_size_setting(settings):
    settings.IMPORT_MAX_BYTES = 1024
    with pytest.raises(TooLarge):
        read_table(
            csv_bytes([["code", "name"], *([f"u{i}", "U" * 50] for i in range(40))]), COLUMNS
        )


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "unsupported_type"),  # .xls
        (b"\xff\xfe\x00\x00binary", "unsupported_type"),
        (b"PK\x03\x04 broken zip", "corrupt"),
    ],
)
def test_it_recognises_files_by_content_not_name(content, code):
    assert refusal(lambda: read_table(upload(content, "units.xlsx"), COLUMNS)).code == code


def test_it_refuses_a_word_document_named_xlsx():
    from docx import Document

    out = io.BytesIO()
    Document().save(out)
    error = refusal(lambda: read_table(upload(out.getvalue(), "units.xlsx"), COLUMNS))
    assert error.code == "unsupported_type"


def test_dates_iso_day_first_and_real_excel_dates():
    table = read_table(
        xlsx(
            [
                ["code", "name", "window_start"],
                ["a", "A", "2025-03-31"],
                ["b", "B", "31/03/2025"],
                ["c", "C", dt.datetime(2025, 3, 31)],
                ["d", "D", "31.03.2025"],
                ["e", "E", "31/02/2025"],
            ]
        ),
        COLUMNS,
    )
    values = [RowReader(table, row, table.errors).date("window_start") for row in table.rows]
    assert values == [dt.date(2025, 3, 31)] * 3 + [None, None]
    assert [(e.row, e.column) for e in table.errors.items] == [
        (5, "window_start"),
        (6, "window_start"),
    ]
    assert "YYYY-MM-DD or dd/mm/yyyy" in table.errors.items[0].message
    assert parse_date("2025-02-29") is None


def test_an_excel_day_number_is_a_date():
    table = read_table(xlsx([["code", "name", "window_start"], ["a", "A", 45747]]), COLUMNS)
    assert RowReader(table, table.rows[0], table.errors).date("window_start") == dt.date(
        2025, 3, 31
    )


def test_a_whole_number_typed_in_excel_reads_as_text_without_decimals():
    table = read_table(xlsx([["code", "name"], [12.0, "A"]]), COLUMNS)
    assert RowReader(table, table.rows[0], table.errors).text("code") == "12"


def test_a_missing_column_is_named_in_the_persons_language():
    from django.utils import translation

    with translation.override("vi"):
        error = refusal(lambda: read_table(xlsx([["code"], ["a"]]), COLUMNS))
    assert error.extra["rows"][0]["column"] == "Tên"


@pytest.mark.parametrize("cell", ["+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"])
def test_it_refuses_other_dde_spellings_in_a_csv(cell):
    assert (
        refusal(lambda: read_table(csv_bytes([["code", "name"], ["a", cell]]), COLUMNS)).code
        == "dde"
    )


def test_a_csv_of_blank_lines_is_empty():
    assert refusal(lambda: read_table(b"\r\n \r\n", COLUMNS)).code == "empty"
