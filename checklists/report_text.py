"""Plain text of a draft report, for the diff and the outline coverage.

One paragraph (or heading, or table cell) per line, in document order, so that a
unified diff shows changed paragraphs and the coverage finds headings as lines.

- .docx: python-docx, walking the body's paragraphs and tables in order.
- .odt: odfpy, walking the office text in order (headings and paragraphs are
  siblings there; odfpy's element lists by type would lose the order).
- .pdf: pypdf, page by page (its lines are the PDF's visual lines).

Each raises ExtractionError with a readable message when the file cannot be
read; the caller records it (text_status "failed", text_error).
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from checklists.uploads import DOCX, ODT, PDF


class ExtractionError(Exception):
    """The file's text cannot be read; permanent (retrying gives the same answer)."""


def extract_text(data: bytes, content_type: str) -> str:
    extractors = {DOCX: _docx_text, ODT: _odt_text, PDF: _pdf_text}
    extractor = extractors.get(content_type)
    if extractor is None:
        raise ExtractionError(
            _("No text extraction for files of type %(type)s.") % {"type": content_type}
        )
    try:
        text = extractor(data)
    except ExtractionError:
        raise
    except Exception as exc:  # third-party parsers raise anything
        raise ExtractionError(
            _("The text could not be read from the document (%(error)s).")
            % {"error": f"{type(exc).__name__}: {exc}"[:300]}
        ) from exc
    # PostgreSQL text cannot hold NUL; PDFs sometimes carry them.
    return tidy_text(text.replace("\x00", ""))


def tidy_text(text: str) -> str:
    """One paragraph a line, its spacing collapsed (non-breaking spaces too), no
    blank lines: the text as every extractor leaves it."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _docx_text(data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row.cells:
                    lines.extend(p.text for p in cell.paragraphs)
    return "\n".join(lines)


def _odt_text(data: bytes) -> str:
    # odfpy ships no type information: pyproject.toml's mypy override types it Any.
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    lines: list[str] = []
    blocks = {(TEXTNS, "h"), (TEXTNS, "p")}

    def walk(node) -> None:
        for child in node.childNodes:
            if getattr(child, "qname", None) in blocks:
                lines.append(teletype.extractText(child))
            elif child.nodeType == child.ELEMENT_NODE:
                walk(child)

    walk(document.text)
    return "\n".join(lines)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise ExtractionError(_("The PDF is encrypted."))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
