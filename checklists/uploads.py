"""Draft-report uploads: recognise the file by its content and refuse the unsafe (SPEC §7).

Pure functions of the bytes and the settings: no database, no storage. Every
refusal is an :class:`UploadRefused` carrying a message a person can act on; its
class says what it means (invalid input of the field `file`, or too large).

What is accepted: Word documents (.docx, OOXML), OpenDocument text (.odt) and
PDF, whatever the file is called. The name the client sent is kept for display
only (see :func:`display_name`); stored names never come from it.

Why by hand rather than python-magic/libmagic: libmagic names a ZIP container
"Microsoft Word 2007+" from its first entry only; it does not see a macro project
further in, a zip bomb, an encrypted entry or a truncated central directory, which
are exactly the cases to refuse. The three formats have unambiguous signatures
(``%PDF-``; a ZIP whose ``[Content_Types].xml`` or ``mimetype`` names the type),
so the standard library's ``zipfile`` plus pypdf (already used for text
extraction) is enough and reads nothing it does not need.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from checklists.errors import Invalid, TooLarge

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
PDF = "application/pdf"
EXTENSIONS = {DOCX: "docx", ODT: "odt", PDF: "pdf"}

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
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


class UploadRefused(Exception):
    """The file is not accepted; `message` says why and what to do instead, `code`
    names the reason. Raised as one of its two meanings (checklists.errors), which
    every door maps without code of its own:

    - :class:`UploadInvalid`: the content or the name is wrong, an invalid input of
      the field `file` (400; a form shows it beside the field);
    - :class:`UploadTooLarge`: the file is over the size limit (413).
    """

    # Both meanings set `message` (str) and `code`; `status` is the HTTP status.
    code: str | None
    status: int


class UploadInvalid(UploadRefused, Invalid):
    """A file that is not an acceptable document, or a name with a folder path."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        Invalid.__init__(self, {"file": [Invalid(message, code=code)]})
        self.message = message
        self.code = code


class UploadTooLarge(UploadRefused, TooLarge):
    """A file over settings.REPORT_MAX_BYTES."""

    def __init__(self, message: str, *, code: str = "too_large") -> None:
        TooLarge.__init__(self, message, code=code)


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


def _accepted_kinds() -> str:
    return _("Send a Word document (.docx), an OpenDocument text (.odt) or a PDF.")


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
        raise UploadInvalid(_("The file is empty.") + " " + _accepted_kinds(), code="empty")
    stream.seek(0)
    try:
        content_type = _content_type(stream, head, size)
    finally:
        stream.seek(0)
    return SniffedFile(
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        size=size,
        sha256=digest.hexdigest(),
    )


def _content_type(stream: IO[bytes], head: bytes, size: int) -> str:
    if head.startswith(b"%PDF-"):
        _check_pdf(stream)
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _check_zip(stream, size, ArchiveLimits.from_settings())
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
            _("This file is a program, not a document.") + " " + _accepted_kinds(),
            code="unsupported_type",
        )
    raise UploadInvalid(
        _("This file is not a supported document.") + " " + _accepted_kinds(),
        code="unsupported_type",
    )


def _corrupt() -> UploadInvalid:
    return UploadInvalid(
        _(
            "The document is damaged or incomplete and cannot be read. Save it again from "
            "the word processor and send the new file."
        ),
        code="corrupt",
    )


def _check_pdf(stream: IO[bytes]) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # A complete PDF ends with %%EOF (perhaps followed by a line break or a few
    # bytes of padding); a truncated upload does not.
    stream.seek(max(_size(stream) - 1024, 0))
    if b"%%EOF" not in stream.read():
        raise _corrupt()
    stream.seek(0)
    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            raise UploadInvalid(
                _(
                    "The PDF is password-protected or encrypted. Save it without protection "
                    "and send it again."
                ),
                code="encrypted",
            )
        if len(reader.pages) == 0:
            raise _corrupt()
    except UploadRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError):  # fmt: skip
        raise _corrupt() from None


def _size(stream: IO[bytes]) -> int:
    position = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def _macro_refusal() -> UploadInvalid:
    return UploadInvalid(
        _(
            "The document contains macros, which are not accepted. Save it as a plain "
            "document (.docx or .odt, without macros) and send it again."
        ),
        code="macros",
    )


def _check_zip(stream: IO[bytes], size: int, limits: ArchiveLimits) -> str:
    """A ZIP container: which document it is, after checking it cannot hurt.

    1. The declared sizes (entry count, total, ratio) bound the work before any
       decompression.
    2. Every entry is then decompressed in full, counting the bytes really
       produced: a header that lies about its size is caught by the running total
       and by zipfile's CRC check, and a truncated or damaged entry fails here.
    3. The container's manifest says what it is; macro projects are refused.
    """
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _corrupt() from None
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
        if declared > limits.max_uncompressed or declared > limits.max_ratio * max(size, 1):
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
            raise _macro_refusal()
        produced = 0
        try:
            for info in entries:
                with archive.open(info) as member:
                    while chunk := member.read(CHUNK):
                        produced += len(chunk)
                        if produced > limits.max_uncompressed:
                            raise too_big
        except UploadRefused:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError, UnicodeDecodeError):  # fmt: skip
            raise _corrupt() from None
        if produced > limits.max_ratio * max(size, 1):
            raise too_big
        return _zip_kind(archive, names)


def _zip_kind(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> str:
    types_info = names.get("[content_types].xml")
    if types_info is not None:
        manifest = archive.read(types_info).decode("utf-8", "replace")
        lowered = manifest.lower()
        if "macroenabled" in lowered or "vbaproject" in lowered:
            raise _macro_refusal()
        if DOCX_MAIN.lower() in lowered and "word/document.xml" in names:
            return DOCX
        raise UploadInvalid(
            _(
                "This Office file is not a Word document (it may be a spreadsheet or a "
                "presentation)."
            )
            + " "
            + _accepted_kinds(),
            code="unsupported_type",
        )
    mimetype_info = names.get("mimetype")
    if mimetype_info is not None:
        mimetype = archive.read(mimetype_info).decode("ascii", "replace").strip()
        if mimetype == ODT and "content.xml" in names:
            # OpenDocument keeps Basic macros under Basic/ and scripts under Scripts/.
            if any(name.startswith(("basic/", "scripts/")) for name in names):
                raise _macro_refusal()
            return ODT
        raise UploadInvalid(
            _("This OpenDocument file is not a text document.") + " " + _accepted_kinds(),
            code="unsupported_type",
        )
    raise UploadInvalid(
        _("This is a ZIP archive, not a document.") + " " + _accepted_kinds(),
        code="unsupported_type",
    )
