"""Recognise an upload by its content, within its size and expansion limits, and
send each format to its own checks (office, pdf). See the package's docstring."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from checklists.uploads.office import READ_ERRORS, check_odf, check_ooxml, check_xlsx
from checklists.uploads.pdf import check_pdf
from checklists.uploads.refusals import (
    UploadInvalid,
    UploadRefused,
    UploadTooLarge,
    accepted_kinds,
    active_content,
    corrupt,
    macros,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
PDF = "application/pdf"
EXTENSIONS = {DOCX: "docx", ODT: "odt", PDF: "pdf"}
# Accepted as evidence of an implementation report too (SPEC §11), by content.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"
EVIDENCE_EXTENSIONS = {**EXTENSIONS, XLSX: "xlsx", JPEG: "jpg", PNG: "png"}
JPEG_SIGNATURE = b"\xff\xd8\xff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE/DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
)
CHUNK = 64 * 1024
# Kinds of packages embedded in an upload (never an upload's own type).
OOXML_PACKAGE = "ooxml-package"
ODF_PACKAGE = "odf-package"
ODF_PREFIX = "application/vnd.oasis.opendocument."
# How deep packages may nest (a chart's workbook inside a report is 1).
MAX_DEPTH = 3


@dataclass(frozen=True)
class SniffedFile:
    content_type: str
    extension: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ArchiveLimits:
    """How far a ZIP container (docx, odt) may expand; see settings "Draft reports"."""

    max_entries: int
    max_uncompressed: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> ArchiveLimits:
        return cls(
            max_entries=settings.REPORT_ZIP_MAX_ENTRIES,
            max_uncompressed=settings.REPORT_ZIP_MAX_UNCOMPRESSED_BYTES,
            max_ratio=settings.REPORT_ZIP_MAX_RATIO,
        )


def display_name(raw: str | None, *, extension: str) -> str:
    """The client's file name, fit for display and for a Content-Disposition header.

    Refuses names that try to reach another folder (``../x``, ``C:\\x``, ``/etc/x``):
    such a name is never legitimate for an upload. Control characters are dropped,
    the text is NFC-normalised (Vietnamese typed on macOS arrives decomposed) and
    cut to 200 characters, keeping the extension.
    """
    name = unicodedata.normalize("NFC", raw or "").strip()
    if "/" in name or "\\" in name or name in {".", ".."} or name.startswith(".."):
        raise UploadInvalid(
            _("The file name “%(name)s” contains a folder path; send the file under its own name.")
            % {"name": name[:100]},
            code="file_name",
        )
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        name = f"report.{extension}"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 199 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else name[:200]
    return name


def check_file_name(raw: str) -> None:
    """Refuse a name with a folder path before anything else is read (see display_name)."""
    display_name(raw, extension="bin")


def sniff_report(stream: IO[bytes], *, max_bytes: int | None = None) -> SniffedFile:
    """Recognise a draft report by its content, or raise UploadRefused.

    Reads the stream from the start (it must be seekable) and leaves it at the
    start again. Checks, in order: size, signature, then the format's own
    structure (archive limits and macros for ZIP containers, encryption and
    structure for PDF).
    """
    return _sniff(stream, max_bytes=max_bytes, evidence=False)


def sniff_evidence(stream: IO[bytes], *, max_bytes: int | None = None) -> SniffedFile:
    """Recognise an implementation report's evidence file: a draft report's kinds
    with their checks, or a spreadsheet (.xlsx, without macros or external links),
    or a JPEG or PNG image, recognised by its signature only: the image itself is
    decoded and re-encoded by checklists.uploads.evidence."""
    return _sniff(stream, max_bytes=max_bytes, evidence=True)


def check_workbook(stream: IO[bytes], size: int) -> None:
    """An uploaded spreadsheet to import (checklists.imports): a whole ZIP within
    the archive limits that is an Excel workbook, with no macros, links to other
    workbooks, data connections, DDE, OLE or ActiveX: the evidence checks, before
    a cell is read. Leaves the stream at its start."""
    stream.seek(0)
    try:
        kind = _check_zip(stream, size, ArchiveLimits.from_settings(), evidence=True)
    finally:
        stream.seek(0)
    if kind != XLSX:
        raise UploadInvalid(
            _("This Office file is not an Excel workbook (.xlsx)."), code="unsupported_type"
        )


def _sniff(stream: IO[bytes], *, max_bytes: int | None, evidence: bool) -> SniffedFile:
    max_bytes = settings.REPORT_MAX_BYTES if max_bytes is None else max_bytes
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := stream.read(CHUNK):
        if not head:
            head = chunk[:16]
        size += len(chunk)
        if size > max_bytes:
            raise UploadTooLarge(
                _(
                    "The file is larger than %(limit)s MB; reduce it (for example, compress the "
                    "images) and send it again."
                )
                % {"limit": f"{max_bytes / (1024 * 1024):.3g}"},
            )
        digest.update(chunk)
    if size == 0:
        raise UploadInvalid(
            _("The file is empty.") + " " + accepted_kinds(evidence=evidence), code="empty"
        )
    stream.seek(0)
    try:
        content_type = _content_type(stream, head, size, evidence=evidence)
    finally:
        stream.seek(0)
    return SniffedFile(
        content_type=content_type,
        extension=EVIDENCE_EXTENSIONS[content_type],
        size=size,
        sha256=digest.hexdigest(),
    )


def _content_type(stream: IO[bytes], head: bytes, size: int, *, evidence: bool) -> str:
    if head.startswith(b"%PDF-"):
        check_pdf(stream)
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _check_zip(stream, size, ArchiveLimits.from_settings(), evidence=evidence)
    if evidence and head.startswith(JPEG_SIGNATURE):
        return JPEG
    if evidence and head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(OLE_SIGNATURE):
        raise UploadInvalid(
            _(
                "This is a password-protected Office document or an old Word (.doc) file. "
                "Remove the password, save it as .docx and send it again."
            ),
            code="encrypted",
        )
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise UploadInvalid(
            _("This file is a program, not a document.") + " " + accepted_kinds(evidence=evidence),
            code="unsupported_type",
        )
    raise UploadInvalid(
        _("This file is not a supported document.") + " " + accepted_kinds(evidence=evidence),
        code="unsupported_type",
    )


@dataclass
class _Budget:
    """The bytes a package, and every package embedded in it, may still expand to:
    one allowance for the whole upload, so nesting cannot multiply the work."""

    remaining: int


def _check_zip(
    stream: IO[bytes], size: int, limits: ArchiveLimits, budget: _Budget | None = None,
    depth: int = 0, *, evidence: bool = False,
) -> str:  # fmt: skip
    """A ZIP container: which document it is, after checking it cannot hurt.

    1. The declared sizes (entry count, total, ratio) bound the work before any
       decompression.
    2. Every entry is then decompressed in full, counting the bytes really
       produced: a header that lies about its size is caught by the running total
       and by zipfile's CRC check, and a truncated or damaged entry fails here.
    3. The container's manifest says what it is; macro projects are refused.
    4. Nothing in it runs or reaches out (checklists.uploads.office); a package
       embedded in it goes through these same steps, at most MAX_DEPTH deep, out
       of the same budget. A spreadsheet (evidence only) links to no other workbook
       and fetches no data (check_xlsx).
    """
    budget = budget or _Budget(limits.max_uncompressed)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise corrupt() from None
    with archive:
        entries = archive.infolist()
        too_big = UploadInvalid(
            _(
                "The document expands to more than %(limit)s MB when opened, more than a "
                "report can need; it may be a “zip bomb”. Send the plain report."
            )
            % {"limit": limits.max_uncompressed // (1024 * 1024)},
            code="archive_too_large",
        )
        if len(entries) > limits.max_entries:
            raise UploadInvalid(
                _(
                    "The document holds %(count)d parts, more than the %(limit)d a report "
                    "can need. Send the plain report."
                )
                % {"count": len(entries), "limit": limits.max_entries},
                code="archive_too_large",
            )
        declared = sum(info.file_size for info in entries)
        if declared > budget.remaining or declared > limits.max_ratio * max(size, 1):
            raise too_big
        for info in entries:
            if info.flag_bits & 0x1:
                raise UploadInvalid(
                    _(
                        "The document is password-protected or encrypted. Save it without "
                        "protection and send it again."
                    ),
                    code="encrypted",
                )
        names = {info.filename.lower(): info for info in entries}
        if any(name.endswith("vbaproject.bin") or name.endswith("vbadata.xml") for name in names):
            raise macros()
        produced = 0
        # Each part's first bytes, by lowercased name: what the part really is
        # (an OLE object, an embedded package) whatever it is called.
        heads: dict[str, bytes] = {}
        try:
            for info in entries:
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK):
                        heads.setdefault(info.filename.lower(), chunk[:8])
                        produced += len(chunk)
                        budget.remaining -= len(chunk)
                        if budget.remaining < 0:
                            raise too_big
        except UploadRefused:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError, UnicodeDecodeError):  # fmt: skip
            raise corrupt() from None
        if produced > limits.max_ratio * max(size, 1):
            raise too_big
        kind = _zip_kind(archive, names, embedded=depth > 0, evidence=evidence and depth == 0)

        def check_embedded(data: bytes) -> None:
            if depth >= MAX_DEPTH:
                raise active_content("embedded_file")
            _check_zip(io.BytesIO(data), len(data), limits, budget, depth + 1)

        try:
            if kind in (ODT, ODF_PACKAGE):
                check_odf(archive, heads, check_embedded)
            else:
                if kind == XLSX:
                    check_xlsx(heads)
                check_ooxml(stream, archive, heads, check_embedded)
        except UploadRefused:
            raise
        except READ_ERRORS:
            raise corrupt() from None
        return kind


def _zip_kind(
    archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], *, embedded: bool, evidence: bool
) -> str:
    """DOCX or ODT for an upload; for a package embedded in one, any Office
    package (OOXML_PACKAGE, ODF_PACKAGE) will do: a chart's spreadsheet is one."""
    types_info = names.get("[content_types].xml")
    if types_info is not None:
        manifest = archive.read(types_info).decode("utf-8", "replace")
        lowered = manifest.lower()
        if "macroenabled" in lowered or "vbaproject" in lowered:
            raise macros()
        if embedded:
            return OOXML_PACKAGE
        if DOCX_MAIN.lower() in lowered and "word/document.xml" in names:
            return DOCX
        if evidence and XLSX_MAIN.lower() in lowered and "xl/workbook.xml" in names:
            return XLSX
        raise UploadInvalid(
            (
                _("This Office file is not a Word document or an Excel workbook.")
                if evidence
                else _(
                    "This Office file is not a Word document (it may be a spreadsheet or a "
                    "presentation)."
                )
            )
            + " "
            + accepted_kinds(evidence=evidence),
            code="unsupported_type",
        )
    mimetype_info = names.get("mimetype")
    if mimetype_info is not None:
        mimetype = archive.read(mimetype_info).decode("ascii", "replace").strip()
        # OpenDocument keeps Basic macros under Basic/ and scripts under Scripts/.
        if any(name.startswith(("basic/", "scripts/")) for name in names):
            raise macros()
        if embedded and mimetype.startswith(ODF_PREFIX):
            return ODF_PACKAGE
        if mimetype == ODT and "content.xml" in names:
            return ODT
        if not embedded:
            raise UploadInvalid(
                _("This OpenDocument file is not a text document.")
                + " "
                + accepted_kinds(evidence=evidence),
                code="unsupported_type",
            )
    if embedded:
        raise active_content("embedded_file")
    raise UploadInvalid(
        _("This is a ZIP archive, not a document.") + " " + accepted_kinds(evidence=evidence),
        code="unsupported_type",
    )
