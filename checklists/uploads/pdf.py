"""PDF uploads: whole, unprotected, and with nothing that runs or reaches out (SPEC §7, §14).

What is refused, read through pypdf's object model rather than by searching the
bytes (a byte search misses names written with ``#xx`` escapes, objects inside
compressed object streams, and finds words that only appear in text):

- JavaScript: a ``/JavaScript`` name tree, a ``/JS`` entry in any action, an XFA
  form (its scripts run in the reader);
- actions that run or send something wherever they hang (``/OpenAction``, ``/AA``
  of the document, a page, a field or an annotation, or a ``/Next`` chain):
  ``/Launch``, ``/ImportData``, ``/SubmitForm``, ``/RichMediaExecute``,
  ``/Rendition``, ``/GoToR`` and ``/GoToE`` (to another or an embedded file), and a
  ``/URI`` that is not an ordinary http, https or mailto link;
- embedded files: an ``/EmbeddedFiles`` name tree, a file specification with
  ``/EF``, an ``/EmbeddedFile`` stream, ``/FileAttachment`` and ``/RichMedia``
  annotations;
- another file after the PDF: only white space or NULs may follow the last
  ``%%EOF``, and the file must not also open as a ZIP archive (a ZIP is read from
  its end, so one hidden inside or after a PDF makes a file that is both).
"""

from __future__ import annotations

import io
import zipfile
from typing import IO, Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from checklists.uploads.refusals import UploadInvalid, UploadRefused, active_content, corrupt

# Bytes read at the end of the file to find its last %%EOF: writers put at most a
# line break or a few bytes of padding after it.
TAIL = 1024
PADDING = b" \t\r\n\f\x00"
ORDINARY_SCHEMES = frozenset({"http", "https", "mailto"})

# Action types (/S) that run something, send or read data, or open another file.
ACTIONS = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/ImportData": "pdf_action",
    "/SubmitForm": "pdf_action",
    "/RichMediaExecute": "pdf_action",
    "/Rendition": "pdf_action",
    "/GoToR": "external_link",
    "/GoToE": "embedded_file",
}
ANNOTATIONS = {"/FileAttachment": "embedded_file", "/RichMedia": "pdf_action"}


def check_pdf(stream: IO[bytes]) -> None:
    """Refuse a PDF that is truncated, encrypted, empty, carries active content or
    hides another file (see the module's docstring). Leaves the stream anywhere."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    _check_ending(stream)
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
            raise corrupt()
        _check_objects(reader.trailer)
    except UploadRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError):  # fmt: skip
        raise corrupt() from None


def _check_ending(stream: IO[bytes]) -> None:
    if _opens_as_zip(stream):
        raise active_content("appended_file")
    size = stream.seek(0, io.SEEK_END)
    stream.seek(max(size - TAIL, 0))
    tail = stream.read()
    end = tail.rfind(b"%%EOF")
    # A complete PDF ends with %%EOF; a truncated upload does not.
    if end == -1:
        raise corrupt()
    if tail[end + len(b"%%EOF") :].strip(PADDING):
        raise active_content("appended_file")


def _opens_as_zip(stream: IO[bytes]) -> bool:
    # zipfile checks the end record, then the central directory it points to, so
    # a chance "PK\5\6" inside compressed page data does not open as an archive.
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False


def _check_objects(trailer: Any) -> None:
    """Walk every object reachable from the trailer once, looking at each dictionary.

    Iterative (a page tree or a /Next chain can be deep) and keyed on the indirect
    reference, so cycles (/Parent, /P) are followed once.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            kind = _dictionary_kind(node)
            if kind is not None:
                raise active_content(kind)
            # dict.values() gives the raw entries (references unresolved).
            stack.extend(dict.values(node))
        elif isinstance(node, ArrayObject):
            stack.extend(list.__iter__(node))


def _dictionary_kind(node: Any) -> str | None:
    keys = set(node.keys())
    if "/JS" in keys or "/JavaScript" in keys or "/XFA" in keys:
        return "javascript"
    if keys & {"/EF", "/EmbeddedFiles"} or _name(node, "/Type") == "/EmbeddedFile":
        return "embedded_file"
    action = _name(node, "/S")
    if action in ACTIONS:
        return ACTIONS[action]
    if action == "/URI" and not _ordinary_link(node.get("/URI")):
        return "external_link"
    return ANNOTATIONS.get(_name(node, "/Subtype") or "")


def _name(node: Any, key: str) -> str | None:
    value = node.get(key)
    return str(value) if value is not None else None


def _ordinary_link(uri: Any) -> bool:
    if isinstance(uri, bytes):
        uri = uri.decode("latin-1")
    text = str(uri or "").strip()
    try:
        return urlsplit(text).scheme.lower() in ORDINARY_SCHEMES
    except ValueError:
        return False
