"""Spreadsheets for the import tests, made here with openpyxl and zipfile (the
suite reads nothing outside the repository)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The columns of a programme's entries, as SPEC §5 names them and in Vietnamese.
PROGRAMME_ENTRY_HEADER = [
    "host_unit",
    "lead",
    "deputy",
    "secretary",
    "members",
    "window_start",
    "window_end",
]
PROGRAMME_ENTRY_HEADER_VI = [
    "Đơn vị được kiểm tra",
    "Trưởng đoàn",
    "Phó trưởng đoàn",
    "Thư ký",
    "Thành viên",
    "Từ ngày",
    "Đến ngày",
]


def xlsx(rows: Iterable[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    text = "\r\n".join(delimiter.join("" if v is None else str(v) for v in row) for row in rows)
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def upload(content: bytes, name: str = "import.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_TYPE)


def with_parts(workbook: bytes, parts: dict[str, bytes], *, content_types: str = "") -> bytes:
    """A copy of a workbook with parts added (and `content_types` put into its
    [Content_Types].xml before the closing tag)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml" and content_types:
                data = data.replace(b"</Types>", content_types.encode() + b"</Types>")
            target.writestr(info, data)
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def with_macros(workbook: bytes) -> bytes:
    """What Excel saves as .xlsm: a VBA project in the package."""
    return with_parts(
        workbook,
        {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504},
        content_types=(
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        ),
    )


def with_external_link(workbook: bytes) -> bytes:
    """A link to another workbook, which Excel refreshes on opening."""
    return with_parts(
        workbook,
        {
            "xl/externalLinks/externalLink1.xml": (
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships"/></externalLink>'
            )
        },
    )


def zip_bomb(workbook: bytes) -> bytes:
    """A workbook with a part of zeros that expands a thousand times its size."""
    return with_parts(workbook, {"xl/media/padding.bin": b"\0" * (20 * 1024 * 1024)})
