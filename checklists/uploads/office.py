"""Office packages (OOXML .docx and its embedded .xlsx/.pptx, OpenDocument .odt):
nothing that runs or reaches out when the document is opened (SPEC §14).

Called by the archive check once the container is known to be a whole, bounded
ZIP whose every part has been decompressed (so reading a part here is cheap and
cannot blow up). Each check raises :func:`~checklists.uploads.refusals.active_content`.

Which library does what:

- oletools' ``ooxml.XmlParser`` iterates the XML parts of the package (it
  keeps no element it does not need), and msodde's ``FIELD_DDE_REGEX`` and
  ``unquote`` recognise DDE/DDEAUTO field codes, ``QUOTE``-obfuscated ones
  included. msodde's own ``process_docx`` is not used for the walk: it reads
  fields only from runs directly under a paragraph and misses a DDE field inside
  a tracked insertion (``w:ins``), a hyperlink or a smart tag, which Word still
  runs; the walk below follows field characters in document order wherever they
  are nested.
- olefile's ``MAGIC`` names an OLE compound file (an embedded object, an
  old-format document) whatever the part is called.
- The standard library's ElementTree (expat, which refuses entity expansion
  bombs and never fetches external entities) reads OpenDocument XML.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from olefile import MAGIC as OLE_MAGIC  # type: ignore[import-untyped]  # no stubs
from oletools import msodde, ooxml

from checklists.uploads.refusals import active_content, corrupt, macros

ZIP_MAGIC = b"PK\x03\x04"
ORDINARY_SCHEMES = frozenset({"http", "https", "mailto"})

REL_TAG = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# Relationship types (the last segment of Type) refused whatever their target.
REFUSED_RELATIONSHIPS = {
    "attachedTemplate": "template",
    "oleObject": "ole_object",
    "control": "activex",
    "activeXControlBinary": "activex",
    "subDocument": "external_link",
}
# Field codes that pull in another file or a web resource when fields update.
EXTERNAL_FIELD = re.compile(r"^\s*(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|LINK|IMPORT)\b", re.I)
# Relationships to parts that hold no fields: Word reads fields only in its
# stories (the body, headers, footers, notes, comments, building blocks).
# Styles alone are most of the time spent parsing a package, so these parts are
# skipped, unless a story relationship reaches them too.
FIELDLESS_RELATIONSHIPS = frozenset(
    {
        "styles",
        "stylesWithEffects",
        "theme",
        "numbering",
        "fontTable",
        "settings",
        "webSettings",
        "customXml",
        "customXmlProps",
        "core-properties",
        "extended-properties",
        "custom-properties",
    }
)
FIELD_SIMPLE = frozenset(msodde.TAG_W_FLDSIMPLE)
FIELD_TEXT = frozenset(msodde.TAG_W_INSTRTEXT)
FIELD_CHAR = frozenset(msodde.TAG_W_FLDCHAR)
OLE_BINARY = re.compile(r"(^|/)(oleobject[^/]*\.bin|embeddings/[^/]*\.bin)$")

EmbeddedCheck = Callable[[bytes], None]
# What reading a damaged package can raise here (the caller calls it damaged).
READ_ERRORS = (
    ooxml.BadOOXML,
    ElementTree.ParseError,
    zipfile.BadZipFile,
    KeyError,
    OSError,
    EOFError,
    ValueError,
    UnicodeDecodeError,
)


def check_ooxml(
    stream: IO[bytes],
    archive: zipfile.ZipFile,
    heads: dict[str, bytes],
    check_embedded: EmbeddedCheck,
) -> None:
    """An OOXML package (any of Word, Excel, PowerPoint): `heads` maps each part's
    lowercased name to its first bytes; `check_embedded` checks an embedded
    package like an upload."""
    if any(_is_activex_part(name) for name in heads):
        raise active_content("activex")
    _check_binaries(heads)
    rels = [info.filename for info in archive.infolist() if info.filename.lower().endswith(".rels")]
    skipped: set[str] = set()
    if rels:
        parser = ooxml.XmlParser(stream)
        skipped = _check_relationships(parser.iter_xml(rels, tags=REL_TAG), heads)
    for info in archive.infolist():
        name = info.filename.lower()
        if name.endswith(".xml") and name not in skipped:
            with archive.open(info) as part:
                _check_fields(part)
    _check_embedded(archive, heads, check_embedded)


def _is_activex_part(name: str) -> bool:
    return name.startswith("activex/") or "/activex/" in name


def _check_binaries(heads: dict[str, bytes]) -> None:
    for name, head in heads.items():
        if OLE_BINARY.search(name) or head.startswith(OLE_MAGIC):
            raise active_content("ole_object")


def _check_relationships(
    relationships: Iterable[tuple[str, ElementTree.Element, int]], heads: dict[str, bytes]
) -> set[str]:
    """Refuse what the relationships reach; answer the parts (lowercased) that
    need no reading for fields: those reached only as styles, theme, numbering...
    A part reached also as a story, or not reached by name at all, is read."""
    stories: set[str] = set()
    fieldless: set[str] = set()
    for rels_name, element, _depth in relationships:
        kind = element.attrib.get("Type", "").rsplit("/", 1)[-1]
        target = element.attrib.get("Target", "")
        if kind in REFUSED_RELATIONSHIPS:
            raise active_content(REFUSED_RELATIONSHIPS[kind])
        if kind == "aFChunk" and not heads.get(
            _part_name(rels_name, target).lower(), b""
        ).startswith(ZIP_MAGIC):
            # An "alternative format chunk" (w:altChunk) is imported into the body
            # when Word opens the file: RTF or HTML that could carry objects, fields
            # or remote images of its own. A .docx chunk is checked as a package.
            raise active_content("embedded_file")
        if element.attrib.get("TargetMode", "").lower() == "external":
            # An external target is fine only as an ordinary hyperlink; an image,
            # a frame, a linked workbook... is fetched by the reader on opening.
            if kind != "hyperlink" or not ordinary_link(target):
                raise active_content("external_link")
        elif kind in FIELDLESS_RELATIONSHIPS:
            fieldless.add(_part_name(rels_name, target).lower())
        else:
            stories.add(_part_name(rels_name, target).lower())
    return fieldless - stories


def _part_name(rels_name: str, target: str) -> str:
    """The part a relationship's internal target names: ``word/_rels/document.xml.rels``
    with ``header1.xml`` is ``word/header1.xml``; ``/word/x.xml`` is absolute. Part
    names may be percent-encoded (OPC); a name that still does not match a
    part is simply read."""
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    folder = posixpath.dirname(posixpath.dirname(rels_name))
    return posixpath.normpath(posixpath.join(folder, target)).lstrip("/")


@dataclass
class _Field:
    instruction: str = ""
    in_instruction: bool = True


def _check_fields(part: IO[bytes]) -> None:
    """Follow Word's field characters in document order, at any depth.

    A complex field is ``fldChar begin``, its instruction in ``instrText`` runs,
    ``fldChar separate``, its result, ``fldChar end``; fields nest, and a nested
    field's value (a ``QUOTE`` of character codes) can spell the outer field's
    command, so an inner field's decoded instruction is added to the outer one.
    The end events of these leaves come in document order; every element is
    cleared once seen so memory stays flat on a long report.
    """
    open_fields: list[_Field] = []
    for _event, element in ElementTree.iterparse(part, events=("end",)):
        tag = element.tag
        if tag in FIELD_SIMPLE:
            _check_instruction(_attribute(element, msodde.ATTR_W_INSTR))
        elif tag in FIELD_TEXT:
            if open_fields and open_fields[-1].in_instruction:
                open_fields[-1].instruction += element.text or ""
        elif tag in FIELD_CHAR:
            char_type = _attribute(element, msodde.ATTR_W_FLDCHARTYPE)
            if char_type == "begin":
                open_fields.append(_Field())
            elif char_type == "separate" and open_fields:
                open_fields[-1].in_instruction = False
            elif char_type == "end" and open_fields:
                instruction = msodde.unquote(open_fields.pop().instruction)
                _check_instruction(instruction)
                if open_fields and open_fields[-1].in_instruction:
                    open_fields[-1].instruction += instruction
        element.clear()
    for field in open_fields:
        _check_instruction(msodde.unquote(field.instruction))


def _attribute(element: ElementTree.Element, names: list[str]) -> str:
    for name in names:
        value = element.attrib.get(name)
        if value is not None:
            return value
    return ""


def _check_instruction(instruction: str) -> None:
    for text in (instruction, msodde.unquote(instruction)):
        if msodde.FIELD_DDE_REGEX.match(text):
            raise active_content("dde")
        if EXTERNAL_FIELD.match(text):
            raise active_content("external_link")


def _check_embedded(
    archive: zipfile.ZipFile, heads: dict[str, bytes], check_embedded: EmbeddedCheck
) -> None:
    for info in archive.infolist():
        if heads.get(info.filename.lower(), b"").startswith(ZIP_MAGIC):
            check_embedded(archive.read(info))


def ordinary_link(target: str) -> bool:
    """An http, https or mailto address: what a reader opens only when clicked, in
    the browser or the mail program. Everything else (file://, \\\\server\\share,
    //server, a relative path to another document, ms-word:, javascript:) is not."""
    try:
        return urlsplit(target.strip()).scheme.lower() in ORDINARY_SCHEMES
    except ValueError:
        return False


# --- OpenDocument ---------------------------------------------------------------------------

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "script": "urn:oasis:names:tc:opendocument:xmlns:script:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
}


def _tags(*names: str) -> frozenset[str]:
    return frozenset(
        f"{{{NS[prefix]}}}{local}" for prefix, local in (name.split(":") for name in names)
    )


ODF_DDE = _tags(
    "office:dde-source", "text:dde-connection-decl", "text:dde-connection", "table:dde-link"
)
ODF_OBJECTS = _tags("draw:object-ole", "draw:applet", "draw:plugin")
ODF_EVENTS = _tags("script:event-listener", "presentation:event-listener")
ODF_TEMPLATE = _tags("meta:template")
ODF_LINKS = _tags("text:a", "draw:a")
XLINK_HREF = f"{{{NS['xlink']}}}href"


def check_odf(
    archive: zipfile.ZipFile, heads: dict[str, bytes], check_embedded: EmbeddedCheck
) -> None:
    """An OpenDocument package: the same rules in ODF's vocabulary. Its embedded
    objects live in the package itself (``Object 1/content.xml``), so every XML part
    is read; an OLE object is a compound file among the parts."""
    _check_binaries(heads)
    for info in archive.infolist():
        if info.filename.lower().endswith(".xml"):
            with archive.open(info) as part:
                _check_odf_part(part)
    _check_embedded(archive, heads, check_embedded)


def _check_odf_part(part: IO[bytes]) -> None:
    try:
        for _event, element in ElementTree.iterparse(part, events=("end",)):
            tag = element.tag
            if tag in ODF_DDE:
                raise active_content("dde")
            if tag in ODF_OBJECTS:
                raise active_content("ole_object")
            if tag in ODF_EVENTS:
                # An event bound to a script runs a macro (the application's own,
                # if the document carries none) when the event fires.
                raise macros()
            if tag in ODF_TEMPLATE:
                raise active_content("template")
            href = element.attrib.get(XLINK_HREF)
            if href is None:
                pass
            elif tag in ODF_LINKS:
                if not (href.startswith("#") or ordinary_link(href)):
                    raise active_content("external_link")
            elif not _inside_package(href):
                raise active_content("external_link")
            element.clear()
    except ElementTree.ParseError:
        raise corrupt() from None


def _inside_package(href: str) -> bool:
    """A part of this package (``Pictures/x.png``, ``./Object 1``), not a file,
    share or address elsewhere."""
    target = href.strip()
    try:
        scheme = urlsplit(target).scheme
    except ValueError:
        return False
    return not (
        scheme
        or target.startswith(("/", "\\", "../"))
        or "/../" in target
        or (len(target) > 1 and target[1] == ":")
    )


# Parts of a workbook that reach outside it when Excel opens or refreshes it: links
# to other workbooks (their cached values refresh from a file or a share; DDE
# links live here too), data connections and the query tables they fill.
WORKBOOK_LINK_PARTS = ("xl/externallinks/", "xl/connections.xml", "xl/querytables/")


def check_xlsx(heads: dict[str, bytes]) -> None:
    """An Excel workbook given as evidence: no external links or data connections
    (macros are refused with every package, by the archive check)."""
    if any(name.startswith(WORKBOOK_LINK_PARTS) for name in heads):
        raise active_content("workbook_link")
