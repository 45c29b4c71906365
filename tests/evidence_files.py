"""Evidence files made the way people make them: a workbook saved by openpyxl, a
phone photo with EXIF (GPS, camera, orientation) saved by Pillow, and their
unsafe or disguised variants."""

from __future__ import annotations

import io
import zipfile

import openpyxl
from PIL import Image

# EXIF tags: Make, Model, Artist, Orientation; the GPS IFD pointer.
MAKE, MODEL, ARTIST, ORIENTATION, GPS_IFD = 0x010F, 0x0110, 0x013B, 0x0112, 0x8825


def xlsx_bytes(rows: list[list[object]] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows or [["Nội dung", "Tiến độ"], ["Bổ sung hồ sơ", 80]]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(source: bytes, *, replace=None, add=None) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as old,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            new.writestr(info.filename, (replace or {}).get(info.filename, old.read(info)))
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return out.getvalue()


def xlsm_bytes() -> bytes:
    """A macro-enabled workbook, as Excel saves an .xlsm: a VBA project and the
    macro-enabled main content type."""
    source = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return _rezip(
        source,
        replace={"[Content_Types].xml": types.encode()},
        add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504},
    )


def xlsx_with_external_link() -> bytes:
    """A workbook whose formulas read another workbook on a network share."""
    return _rezip(
        xlsx_bytes(),
        add={
            "xl/externalLinks/externalLink1.xml": (
                b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<externalBook/></externalLink>"
            ),
            "xl/externalLinks/_rels/externalLink1.xml.rels": (
                b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
                b'"http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                b'externalLinkPath" Target="file:///\\\\server\\share\\so-lieu.xlsx" '
                b'TargetMode="External"/></Relationships>'
            ),
        },
    )


def photo_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "Phone 12"
    exif[ARTIST] = "Nguyễn Văn A"
    exif[ORIENTATION] = 6  # rotated 90°: the stored image must stand upright
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (21.0, 0.0, 0.0), 3: "E", 4: (107.0, 0.0, 0.0)})
    return exif


def jpeg_bytes(*, size: tuple[int, int] = (40, 20), exif: bool = True) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    params = {"exif": photo_exif().tobytes(), "comment": b"secret comment"} if exif else {}
    image.save(buffer, format="JPEG", **params)
    return buffer.getvalue()


def png_bytes(*, size: tuple[int, int] = (30, 10), exif: bool = True) -> bytes:
    from PIL import PngImagePlugin

    image = Image.new("RGBA", size, (10, 120, 30, 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Nguyễn Văn A")
    info.add_text("Location", "21.0N 107.0E")
    buffer = io.BytesIO()
    params = {"exif": photo_exif().tobytes(), "pnginfo": info} if exif else {}
    image.save(buffer, format="PNG", **params)
    return buffer.getvalue()


def png_bomb_header(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG whose header claims a huge canvas (a decompression bomb's shape)."""
    image = Image.new("1", (width, height))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
