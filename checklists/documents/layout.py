"""The built-in templates, drawn with python-docx so that every rule of
docs/document-formats.md is a line of code one can review, then filled by docxtpl
(checklists.documents.render).

One template per (style, kind, team copy): the fixed blocks (page, header table,
title, signer, "Nơi nhận") are the style's, the body between them the kind's. A
template is built once per process (`template_bytes` is cached): building costs
more than filling.

Jinja tags that must disappear with their paragraph or table row are written
`{%p … %}` / `{%tr … %}` alone in theirs (docxtpl's rule)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
PARTY = "party"
STATE = "state"

CENTER = WD_ALIGN_PARAGRAPH.CENTER
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
LEFT = WD_ALIGN_PARAGRAPH.LEFT
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT


@dataclass(frozen=True)
class Sizes:
    """Font sizes (pt) per element; docs/document-formats.md gives each its source."""

    motto: float  # "ĐẢNG CỘNG SẢN VIỆT NAM" / "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    slogan: float  # "Độc lập - Tự do - Hạnh phúc" (State only)
    superior: float  # the superior body's name
    issuer: float  # the issuing body's name
    number: float
    place_date: float
    type_name: float  # "KẾT LUẬN"
    summary: float  # "về kết quả kiểm tra …"
    body: float
    table: float
    mark: float  # "DỰ THẢO", "MẬT"
    signer: float
    recipients_label: float  # "Nơi nhận:"
    recipients: float
    page_number: float


SIZES = {
    PARTY: Sizes(
        motto=14, slogan=0, superior=14, issuer=14, number=14, place_date=14, type_name=14,
        summary=14, body=14, table=12, mark=14, signer=14, recipients_label=14, recipients=12,
        page_number=14,
    ),
    STATE: Sizes(
        motto=13, slogan=14, superior=13, issuer=13, number=13, place_date=14, type_name=14,
        summary=14, body=14, table=12, mark=13, signer=14, recipients_label=12, recipients=11,
        page_number=13,
    ),
}  # fmt: skip

# Page: A4 portrait; margins within both texts' ranges (top and bottom 20–25 mm,
# left 30–35 mm, right 15–20 mm), the same for both styles.
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]
# The header table: the issuing body's column, then the motto's.
HEADER_COLUMNS_MM = (65, TEXT_WIDTH_MM - 65)
FIRST_LINE_INDENT = Cm(1)


# --- runs and paragraphs ------------------------------------------------------------------


def _fonts(r_pr) -> None:
    """Name Times New Roman for every script slot, so no theme font stands in."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        if fonts.get(qn(theme)) is not None:
            del fonts.attrib[qn(theme)]


def run(
    paragraph: Paragraph,
    text: str,
    size: float,
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
) -> None:
    r = paragraph.add_run(text)
    r.font.size = Pt(size)
    r.font.bold = bold
    r.font.italic = italic
    r.font.underline = underline
    _fonts(r._r.get_or_add_rPr())


def paragraph(
    container,
    text: str = "",
    size: float = 14,
    *,
    align=CENTER,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    indent: bool = False,
    after: float = 0,
    reuse: bool = False,
) -> Paragraph:
    """A paragraph of one run; `reuse` fills a table cell's empty first paragraph."""
    p = container.paragraphs[0] if reuse else container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    if indent:
        fmt.first_line_indent = FIRST_LINE_INDENT
    if text:
        run(p, text, size, bold=bold, italic=italic, underline=underline)
    return p


def tag(container, text: str) -> None:
    """A docxtpl block tag ({%p …%} / {%tr …%}), alone in its paragraph."""
    container.add_paragraph().add_run(text)


def _box(p: Paragraph) -> None:
    """A border round the text itself (the boxed "DỰ THẢO" and "MẬT" marks): a run
    border, so the box is as wide as the word, not the line."""
    for r in p.runs:
        edge = OxmlElement("w:bdr")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "8")
        edge.set(qn("w:space"), "1")
        edge.set(qn("w:color"), "000000")
        # bdr follows rFonts … sz, szCs, u in the run properties' order.
        r._r.get_or_add_rPr().append(edge)


def rule(container, line_mm: float, column_mm: float) -> Paragraph:
    """A short horizontal rule, centred: an empty paragraph's bottom border, its
    length set by the indents (NĐ 30: a third to a half of the line above)."""
    p = paragraph(container, "", 6)
    p_pr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{name}"), value)
    borders.append(bottom)
    # pBdr comes before shd, tabs, spacing, ind and jc in the paragraph properties.
    following = [p_pr.find(qn(f"w:{n}")) for n in ("shd", "tabs", "spacing", "ind", "jc")]
    anchor = next((e for e in following if e is not None), None)
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        p_pr.append(borders)
    side = Mm(max(column_mm - line_mm, 0) / 2)
    p.paragraph_format.left_indent = side
    p.paragraph_format.right_indent = side
    return p


def widths(table, columns_mm: Sequence[float]) -> None:
    """Column widths in the grid (what LibreOffice reads) and in every cell (Word)."""
    table.autofit = False
    for column, width in zip(table.columns, columns_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _page_field(p: Paragraph, size: float) -> None:
    """A PAGE field (begin, instruction, separate, shown value, end)."""

    def fld(kind: str) -> None:
        r = p.add_run()
        r.font.size = Pt(size)
        _fonts(r._r.get_or_add_rPr())
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        r._r.append(element)

    fld("begin")
    r = p.add_run()
    r.font.size = Pt(size)
    _fonts(r._r.get_or_add_rPr())
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    r._r.append(instr)
    fld("separate")
    run(p, "2", size)
    fld("end")


# --- the document ------------------------------------------------------------------------


def _setup(doc: DocxDocument, style: str) -> None:
    sizes = SIZES[style]
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.header_distance = section.footer_distance = Mm(10)
    # Page numbers from page 2: the first page has a header and footer of its own,
    # left empty.
    section.different_first_page_header_footer = True
    if style == STATE:
        number = section.header.paragraphs[0]
        number.alignment = CENTER
    else:
        number = section.footer.paragraphs[0]
        number.alignment = RIGHT
    _page_field(number, sizes.page_number)
    # Times New Roman everywhere: the document defaults and the Normal style.
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(r_pr)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(sizes.body)
    _fonts(normal.element.get_or_add_rPr())


def _header_table(doc: DocxDocument, style: str) -> None:
    sizes = SIZES[style]
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths(table, HEADER_COLUMNS_MM)
    left, right = table.rows[0].cells
    # The issuing body, top left: its superior above, its own name in bold capitals.
    tag(left, "{%p if superior %}")
    paragraph(left, "{{ superior }}", sizes.superior)
    tag(left, "{%p endif %}")
    paragraph(left, "{{ issuer_name }}", sizes.issuer, bold=True)
    if style == PARTY:
        paragraph(left, "*", sizes.issuer)
    else:
        # The short rule under the issuing body (a third to a half of its line).
        rule(left, HEADER_COLUMNS_MM[0] / 3, HEADER_COLUMNS_MM[0])
    paragraph(left, "{{ number_line }}", sizes.number)
    # The classification mark, under the number.
    tag(left, "{%p if mark %}")
    _box(paragraph(left, "{{ mark }}", sizes.mark, bold=True))
    tag(left, "{%p endif %}")
    left.paragraphs[0]._p.getparent().remove(left.paragraphs[0]._p)
    # The motto, top right; the place and date under it.
    if style == PARTY:
        paragraph(
            right, "ĐẢNG CỘNG SẢN VIỆT NAM", sizes.motto, bold=True, underline=True, reuse=True
        )
    else:
        paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", sizes.motto, bold=True, reuse=True)
        paragraph(right, "Độc lập - Tự do - Hạnh phúc", sizes.slogan, bold=True, underline=True)
    paragraph(right)
    paragraph(right, "{{ place_date }}", sizes.place_date, italic=True)


def _title(doc: DocxDocument, style: str) -> None:
    sizes = SIZES[style]
    paragraph(doc)
    paragraph(doc, "{{ type_name }}", sizes.type_name, bold=True)
    paragraph(doc, "{{ summary }}", sizes.summary, bold=True)
    if style == PARTY:
        paragraph(doc, "-----", sizes.summary, after=6)
    else:
        rule(doc, TEXT_WIDTH_MM / 4, TEXT_WIDTH_MM).paragraph_format.space_after = Pt(6)


def _blocks(doc: DocxDocument, style: str, name: str) -> None:
    """A list of paragraphs of the body: headings in bold, text justified with its
    first line indented; `basis` lines ("Căn cứ …") in italics."""
    size = SIZES[style].body
    tag(doc, f"{{%p for block in {name} %}}")
    tag(doc, "{%p if block.heading %}")
    paragraph(doc, "{{ block.text }}", size, align=JUSTIFY, bold=True, indent=True, after=6)
    tag(doc, "{%p elif block.basis %}")
    paragraph(doc, "{{ block.text }}", size, align=JUSTIFY, italic=True, indent=True, after=6)
    tag(doc, "{%p else %}")
    paragraph(doc, "{{ block.text }}", size, align=JUSTIFY, indent=True, after=6)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")


def _set_borders(table) -> None:
    """Single lines round every cell; tblBorders goes before tblLook (Word's
    schema order; LibreOffice forgives it, Word may not)."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "4")
        edge.set(qn("w:space"), "0")
        edge.set(qn("w:color"), "000000")
        borders.append(edge)
    following = [tbl_pr.find(qn(f"w:{n}")) for n in ("shd", "tblLayout", "tblCellMar", "tblLook")]
    anchor = next((e for e in following if e is not None), None)
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        tbl_pr.append(borders)


def _data_table(
    doc: DocxDocument, style: str, columns: Sequence[tuple[str, str, float]], rows: str
) -> None:
    """A bordered table: a header row in bold, then one row per item of `rows`
    (columns: heading, the row's field, width in mm)."""
    size = SIZES[style].table
    table = doc.add_table(rows=4, cols=len(columns))
    _set_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths(table, [width for _heading, _field, width in columns])
    header, opening, body, closing = table.rows
    for index, (heading, field, _width) in enumerate(columns):
        paragraph(header.cells[index], heading, size, bold=True, reuse=True)
        paragraph(body.cells[index], f"{{{{ row.{field} }}}}", size, align=LEFT, reuse=True)
    _cell_text(opening.cells[0], f"{{%tr for row in {rows} %}}")
    _cell_text(closing.cells[0], "{%tr endfor %}")


def _cell_text(cell: _Cell, text: str) -> None:
    cell.paragraphs[0].add_run(text)


def _closing(doc: DocxDocument, style: str) -> None:
    """ "Nơi nhận" bottom left, the signer bottom right, side by side."""
    sizes = SIZES[style]
    paragraph(doc)
    table = doc.add_table(rows=1, cols=2)
    widths(table, (70, TEXT_WIDTH_MM - 70))
    # The signer's block is not split between two pages.
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    left, right = table.rows[0].cells
    if style == PARTY:
        paragraph(left, "Nơi nhận:", sizes.recipients_label, align=LEFT, underline=True, reuse=True)
    else:
        label = "Nơi nhận:"
        paragraph(
            left, label, sizes.recipients_label, align=LEFT, bold=True, italic=True, reuse=True
        )
    tag(left, "{%p for line in recipients %}")
    paragraph(left, "{{ line }}", sizes.recipients, align=LEFT)
    tag(left, "{%p endfor %}")
    paragraph(right, "{{ on_behalf }}", sizes.signer, bold=True, reuse=True)
    tag(right, "{%p if signer_title %}")
    paragraph(right, "{{ signer_title }}", sizes.signer, bold=True)
    tag(right, "{%p endif %}")
    for _blank in range(3):  # room for the signature and the seal
        paragraph(right)
    paragraph(right, "{{ signer_name }}", sizes.signer, bold=True)


# The body of each kind: (blocks before, table columns, blocks after).
TableColumns = tuple[tuple[str, str, float], ...]
BODIES: dict[str, TableColumns] = {
    "conclusion": (
        ("Mã", "code", 18),
        ("Nội dung kiến nghị", "text", 77),
        ("Đơn vị thực hiện", "addressee", 40),
        ("Thời hạn", "deadline", 30),
    ),
    "programme": (
        ("TT", "index", 10),
        ("Đơn vị được kiểm tra", "unit", 45),
        ("Thời gian", "window", 40),
        ("Đoàn kiểm tra", "team", 70),
    ),
    "followup": (
        ("Mã", "code", 15),
        ("Nội dung kiến nghị", "text", 45),
        ("Đơn vị, thời hạn", "addressee", 30),
        ("Tình trạng", "state", 25),
        ("Báo cáo gần nhất", "latest", 50),
    ),
    "checklist": (
        ("Mục", "number", 15),
        ("Nội dung", "text", 60),
        ("Trả lời", "answer", 30),
        ("Phát hiện", "finding", 60),
    ),
}
INTERNAL_NOTE_COLUMN = ("Ghi chú nội bộ của Đoàn", "note", 40)


def build_template(style: str, kind: str, team_copy: bool = False) -> bytes:
    """The template of one style and kind, as .docx bytes (see the module)."""
    doc = new_docx()
    _setup(doc, style)
    sizes = SIZES[style]
    # The draft's mark, boxed, top right above the header table.
    tag(doc, "{%p if draft %}")
    _box(paragraph(doc, "DỰ THẢO", sizes.mark, align=RIGHT, bold=True))
    tag(doc, "{%p endif %}")
    _header_table(doc, style)
    _title(doc, style)
    _blocks(doc, style, "basis")
    _blocks(doc, style, "blocks")
    columns = BODIES[kind]
    if kind == "checklist" and team_copy:
        # The team's copy alone carries the internal notes (SPEC §4); the widths
        # make room for the column.
        columns = (
            ("Mục", "number", 13), ("Nội dung", "text", 45), ("Trả lời", "answer", 25),
            ("Phát hiện", "finding", 42), INTERNAL_NOTE_COLUMN,
        )  # fmt: skip
    paragraph(doc)
    _data_table(doc, style, columns, "rows")
    paragraph(doc)
    _blocks(doc, style, "after")
    _closing(doc, style)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@lru_cache(maxsize=32)
def template_bytes(style: str, kind: str, team_copy: bool = False) -> bytes:
    """build_template, once per process and combination."""
    return build_template(style, kind, team_copy)
