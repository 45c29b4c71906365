"""Recognising draft reports by content and refusing the unsafe (SPEC §7).

The builders of hostile files here are shared with the API tests.
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from checklists.uploads import DOCX, ODT, PDF, UploadRefused, display_name, sniff_report

# Made by tests/data/make_reports.py (the Thanh Bình draft report, revisions 1 and 2).
REPORTS = Path(__file__).resolve().parent.parent / "data" / "reports"
V1_DOCX = REPORTS / "thanh-binh-draft-v1.docx"
V2_DOCX = REPORTS / "thanh-binh-draft-v2.docx"
V2_ODT = REPORTS / "thanh-binh-draft-v2.odt"
V2_PDF = REPORTS / "thanh-binh-draft-v2.pdf"


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs or ("Báo cáo",):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _rezip(source: bytes, *, replace: dict[str, bytes] | None = None, add=None) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as old,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            data = (replace or {}).get(info.filename, old.read(info))
            new.writestr(info.filename, data)
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return out.getvalue()


def docm_bytes() -> bytes:
    """A Word document with a VBA project, as Word saves a .docm."""
    source = docx_bytes("Sub AutoOpen()")
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    return _rezip(
        source,
        replace={"[Content_Types].xml": types.encode()},
        add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 512},
    )


def zip_bomb_bytes(size: int = 20 * 1024 * 1024) -> bytes:
    """A valid-looking .docx with one part that expands to `size` bytes of zeros."""
    return _rezip(docx_bytes("bomb"), add={"word/media/padding.bin": b"\x00" * size})


def lying_zip_bytes() -> bytes:
    """A .docx whose central directory understates a part's size (a zip bomb that
    passes a check of declared sizes only)."""
    data = bytearray(_rezip(docx_bytes("liar"), add={"word/media/big.bin": b"\x00" * 2_000_000}))
    name = b"word/media/big.bin"
    # Find this entry's central directory header and rewrite its uncompressed size.
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack("<H", data[position + 28 : position + 30])[0]
        if data[position + 46 : position + 46 + name_length] == name:
            data[position + 24 : position + 28] = struct.pack("<I", 1000)
            break
        position = data.find(b"PK\x01\x02", position + 4)
    else:
        raise AssertionError("entry not found")
    return bytes(data)


def encrypted_pdf_bytes() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(V2_PDF))
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_ooxml_bytes() -> bytes:
    """What Word writes for a password-protected .docx: an OLE compound file."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")
    )


def executable_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"


def xlsx_bytes() -> bytes:
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script>B\xc3\xa1o c\xc3\xa1o</body></html>"


@functools.cache
def hostile_files() -> dict[str, tuple[str, bytes]]:
    """name → (file name sent, content), each of which must be refused."""
    v1 = V1_DOCX.read_bytes()
    return {
        "renamed executable": ("bao-cao.docx", executable_bytes()),
        "macro-enabled document": ("bao-cao.docm", docm_bytes()),
        "macros renamed .docx": ("bao-cao.docx", docm_bytes()),
        "zip bomb": ("bao-cao.docx", zip_bomb_bytes()),
        "lying zip": ("bao-cao.docx", lying_zip_bytes()),
        "empty file": ("bao-cao.docx", b""),
        "truncated docx": ("bao-cao.docx", v1[: len(v1) // 2]),
        "encrypted PDF": ("bao-cao.pdf", encrypted_pdf_bytes()),
        "encrypted docx": ("bao-cao.docx", encrypted_ooxml_bytes()),
        "truncated PDF": ("bao-cao.pdf", V2_PDF.read_bytes()[: V2_PDF.stat().st_size // 2]),
        "HTML renamed .docx": ("bao-cao.docx", HTML),
        "spreadsheet renamed .docx": ("bao-cao.docx", xlsx_bytes()),
        "plain ZIP": ("bao-cao.docx", _rezip(b"PK\x05\x06" + b"\x00" * 18, add={"a.txt": b"x"})),
    }


@pytest.mark.parametrize(
    ("path", "content_type"),
    [(V1_DOCX, DOCX), (V2_DOCX, DOCX), (V2_ODT, ODT), (V2_PDF, PDF)],
    ids=["v1.docx", "v2.docx", "v2.odt", "v2.pdf"],
)
def test_it_recognises_the_three_formats_by_content(path, content_type, settings):
    data = path.read_bytes()

    sniffed = sniff_report(io.BytesIO(data))

    assert sniffed.content_type == content_type
    assert sniffed.size == len(data)
    assert len(sniffed.sha256) == 64


def test_it_recognises_a_pdf_whatever_it_is_called():
    assert sniff_report(io.BytesIO(V2_PDF.read_bytes())).extension == "pdf"


@pytest.mark.parametrize("case", sorted(hostile_files()))
def test_it_refuses_hostile_files_with_a_message(case):
    _name, content = hostile_files()[case]

    with pytest.raises(UploadRefused) as refused:
        sniff_report(io.BytesIO(content))

    assert refused.value.status == 400
    assert len(refused.value.message) > 20


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("renamed executable", "unsupported_type"),
        ("macro-enabled document", "macros"),
        ("macros renamed .docx", "macros"),
        ("zip bomb", "archive_too_large"),
        ("lying zip", "corrupt"),
        ("empty file", "empty"),
        ("truncated docx", "corrupt"),
        ("encrypted PDF", "encrypted"),
        ("encrypted docx", "encrypted"),
        ("HTML renamed .docx", "unsupported_type"),
    ],
)
def test_it_names_the_reason_of_each_refusal(case, code):
    with pytest.raises(UploadRefused) as refused:
        sniff_report(io.BytesIO(hostile_files()[case][1]))

    assert refused.value.code == code


def test_it_refuses_a_file_over_the_limit_with_413(settings):
    settings.REPORT_MAX_BYTES = 10_000

    with pytest.raises(UploadRefused) as refused:
        sniff_report(io.BytesIO(V1_DOCX.read_bytes()))

    assert refused.value.status == 413
    assert "MB" in refused.value.message


def test_it_refuses_an_archive_with_too_many_parts(settings):
    settings.REPORT_ZIP_MAX_ENTRIES = 12

    with pytest.raises(UploadRefused) as refused:
        sniff_report(io.BytesIO(V1_DOCX.read_bytes()))

    assert refused.value.code == "archive_too_large"


def test_it_refuses_an_archive_expanding_past_the_limit_even_at_a_low_ratio(settings):
    settings.REPORT_ZIP_MAX_UNCOMPRESSED_BYTES = 100_000

    with pytest.raises(UploadRefused) as refused:
        sniff_report(io.BytesIO(V1_DOCX.read_bytes()))

    assert refused.value.code == "archive_too_large"


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.docx", "..\\..\\boot.ini.docx", "/etc/cron.d/x.docx", "..", "C:\\x.docx"],
)
def test_it_refuses_file_names_with_a_folder_path(name):
    with pytest.raises(UploadRefused) as refused:
        display_name(name, extension="docx")

    assert refused.value.code == "file_name"


def test_it_keeps_a_vietnamese_name_for_display_normalised_and_without_control_characters():
    decomposed = "Du\u0300 tha\u0309o\x07 ba\u0301o ca\u0301o.docx"

    assert display_name(decomposed, extension="docx") == "Dù thảo báo cáo.docx"


def test_it_names_a_nameless_file_by_its_type():
    assert display_name("", extension="pdf") == "report.pdf"
