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

Active content (SPEC §14) is refused after the container is known to be whole and
bounded: :mod:`checklists.uploads.office` for Office packages (oletools and olefile),
:mod:`checklists.uploads.pdf` for PDFs (pypdf's object model).

Modules: ``refusals`` (the exceptions and their messages), ``sniff`` (size,
signature, ZIP limits, file names), ``office``, ``pdf``; ``evidence`` for an
implementation report's evidence files (also .xlsx, and images re-encoded).
"""

from checklists.uploads.refusals import UploadInvalid, UploadRefused, UploadTooLarge
from checklists.uploads.sniff import (
    DOCX,
    EVIDENCE_EXTENSIONS,
    EXTENSIONS,
    JPEG,
    ODT,
    PDF,
    PNG,
    XLSX,
    ArchiveLimits,
    SniffedFile,
    check_file_name,
    check_workbook,
    display_name,
    sniff_evidence,
    sniff_report,
)

__all__ = [
    "DOCX",
    "EVIDENCE_EXTENSIONS",
    "EXTENSIONS",
    "JPEG",
    "ODT",
    "PDF",
    "PNG",
    "XLSX",
    "ArchiveLimits",
    "SniffedFile",
    "UploadInvalid",
    "UploadRefused",
    "UploadTooLarge",
    "check_file_name",
    "check_workbook",
    "display_name",
    "sniff_evidence",
    "sniff_report",
]
