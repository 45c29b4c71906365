"""Reading generated .docx files back with python-docx, for the format tests: every
paragraph (body and table cells), a paragraph by its text, a run's size and fonts,
the page-number field's set-up."""

from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Length
from docx.text.paragraph import Paragraph

W_FONTS = re.compile(rb'w:(ascii|hAnsi|cs|eastAsia)="([^"]*)"')


def open_docx(data: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(data))


def paragraphs(doc: DocxDocument) -> list[Paragraph]:
    """Every paragraph of the body, in order, those in tables included."""
    found: list[Paragraph] = []
    for block in doc.element.body.iterchildren():
        if block.tag == qn("w:p"):
            found.append(Paragraph(block, doc))
        elif block.tag == qn("w:tbl"):
            for p in block.iter(qn("w:p")):
                found.append(Paragraph(p, doc))
    return found


def texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in paragraphs(doc)]


def find(doc: DocxDocument, pattern: str) -> Paragraph:
    """The first paragraph whose whole text matches `pattern` (a regular expression)."""
    for p in paragraphs(doc):
        if re.fullmatch(pattern, p.text):
            return p
    raise AssertionError(f"no paragraph matches {pattern!r}: {texts(doc)}")


def size(p: Paragraph) -> float:
    sizes = {r.font.size.pt for r in p.runs if r.text.strip() and r.font.size is not None}
    assert len(sizes) == 1, (p.text, sizes)
    return sizes.pop()


def bold(p: Paragraph) -> bool:
    return all(r.font.bold for r in p.runs if r.text.strip())


def italic(p: Paragraph) -> bool:
    return all(r.font.italic for r in p.runs if r.text.strip())


def underlined(p: Paragraph) -> bool:
    return all(r.font.underline for r in p.runs if r.text.strip())


def boxed(p: Paragraph) -> bool:
    """Every run with text carries a border (the mark is boxed)."""
    runs = [r for r in p.runs if r.text.strip()]
    return bool(runs) and all(
        r._r.rPr is not None and r._r.rPr.find(qn("w:bdr")) is not None for r in runs
    )


def mm(length: Length | None) -> float:
    assert length is not None
    return round(length.mm, 1)


def font_names(data: bytes) -> set[tuple[str, str]]:
    """Every (slot, font) named in the text's parts: the body, headers and footers
    (styles.xml also names the fonts of styles the document never uses)."""
    names: set[tuple[str, str]] = set()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
                for slot, font in W_FONTS.findall(package.read(name)):
                    names.add((slot.decode(), font.decode()))
    return names


def has_page_field(part) -> bool:
    return any("PAGE" in (t.text or "") for t in part._element.iter(qn("w:instrText")))
