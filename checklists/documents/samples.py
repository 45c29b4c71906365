"""Sample data for checking a unit's own template (SPEC §12 "Templates"), and the
placeholders it may use, with their meaning and an example (docs/document-templates.md).

The samples are made by the same code as the real documents (sources.header and
content.Content, from unsaved units): the names a template may use are exactly the
ones a real document fills. Two samples are tried: a full one (every list with
rows, every optional line set) and a sparse one (lists empty, optional lines
blank), so that a template which only works when something is present, such as
`{{ rows[0].code }}`, is refused at upload rather than failing on a real document."""

from __future__ import annotations

import datetime as dt

from checklists.models import Document, Unit

from .content import PARTY, STATE, Block, Content, recipient_lines
from .layout import BODIES, INTERNAL_NOTE_COLUMN
from .sources import header

Kind = Document.Kind

# name: (meaning, example): the top-level placeholders, every kind alike.
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "draft": ("True for a draft (print “DỰ THẢO”), false for an issued copy", "True"),
    "issuer_name": ("The issuing body's name, in capitals", "ỦY BAN KIỂM TRA TỈNH ỦY"),
    "superior": ("The issuing body's superior, in capitals; may be empty", "TỈNH ỦY QUẢNG NINH"),
    "number_line": ("The number line; blank number in a draft", "Số 12-KL/UBKTTU"),
    "place_date": ("Place and date line", "Quảng Ninh, ngày 05 tháng 02 năm 2025"),
    "type_name": ("The document's type name", "KẾT LUẬN"),
    "summary": ("The summary line under the type name", "về kết quả kiểm tra tại …"),
    "mark": ("The classification mark; may be empty", "MẬT"),
    "basis": ("The “Căn cứ …” lines: a list of paragraphs", "see block.* below"),
    "blocks": ("The body's paragraphs before the table", "see block.* below"),
    "rows": ("The table's rows: a list (fields per kind below)", "see row.* below"),
    "after": ("The paragraphs after the table", "see block.* below"),
    "on_behalf": ("The collective's authority above the signer", "T/M ỦY BAN KIỂM TRA"),
    "signer_title": ("The signer's title; may be empty", "TRƯỞNG ĐOÀN KIỂM TRA"),
    "signer_name": ("The signer's name; empty in a draft", "Nguyễn Văn An"),
    "recipients": ("The “Nơi nhận” lines: a list of text", "- Đảng ủy xã Yên Hưng,"),
}
# A paragraph of basis, blocks and after.
BLOCK_FIELDS: dict[str, tuple[str, str]] = {
    "text": ("The paragraph's text", "I. KẾT LUẬN CHUNG"),
    "heading": ("True for a heading (printed bold)", "True"),
    "basis": ("True for a “Căn cứ …” line (printed italic)", "False"),
}
# A table row's fields, per kind: (meaning, example).
ROW_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    Kind.CONCLUSION: {
        "code": ("The recommendation's code", "KN-01"),
        "text": ("The recommendation", "Rà soát, bổ sung quy chế làm việc."),
        "addressee": ("The unit that carries it out", "Đảng ủy xã Yên Hưng"),
        "deadline": ("Its deadline", "30/06/2025"),
    },
    Kind.PROGRAMME: {
        "index": ("The row's number", "1"),
        "unit": ("The unit inspected", "Đảng ủy xã Yên Hưng"),
        "window": ("When", "03/03/2025 – 07/03/2025"),
        "team": ("The team", "Trưởng đoàn: Nguyễn Văn An; Thành viên: Trần Thị Bình"),
    },
    Kind.FOLLOWUP: {
        "code": ("The recommendation's code", "KN-01"),
        "text": ("The recommendation", "Rà soát, bổ sung quy chế làm việc."),
        "addressee": ("Its unit and deadline", "Đảng ủy xã Yên Hưng; hạn 30/06/2025"),
        "state": ("Its state and progress", "Đang thực hiện (50%)"),
        "latest": ("The latest implementation report", "15/05/2025: Đã dự thảo quy chế …"),
    },
    Kind.CHECKLIST: {
        "number": ("The item's number", "1.2"),
        "text": ("The item", "Việc ban hành quy chế làm việc"),
        "answer": ("The answer", "Có"),
        "finding": ("The finding", "Quy chế chưa cập nhật theo Quy định 126."),
        "note": ("The team's internal note; empty in the host's copy", "Hỏi lại văn phòng"),
    },
}
TITLES: dict[str, tuple[str, str]] = {
    Kind.CONCLUSION: ("KẾT LUẬN", "về kết quả kiểm tra tại Đảng ủy xã Yên Hưng"),
    Kind.PROGRAMME: ("KẾ HOẠCH", "kiểm tra việc thực hiện quy chế làm việc năm 2025"),
    Kind.FOLLOWUP: ("BÁO CÁO", "kết quả thực hiện Kết luận số 12-KL/UBKTTU"),
    Kind.CHECKLIST: ("BẢN TỔNG HỢP KẾT QUẢ KIỂM TRA", "theo đề cương ĐC-01 tại Đảng ủy xã"),
}


def row_fields(kind: str) -> list[str]:
    """The fields of a table row of `kind`, as the built-in template prints them."""
    fields = [field for _heading, field, _width in BODIES[kind]]
    if kind == Kind.CHECKLIST:
        fields.append(INTERNAL_NOTE_COLUMN[1])
    return fields


def _issuer(style: str) -> Unit:
    if style == STATE:
        parent = Unit(code="ubnd-qn", name="Ủy ban nhân dân tỉnh Quảng Ninh")
        return Unit(
            code="snv", name="Sở Nội vụ", parent=parent, document_symbol="SNV",
            document_place="Quảng Ninh", document_style=STATE,
        )  # fmt: skip
    parent = Unit(code="tu-qn", name="Tỉnh ủy Quảng Ninh")
    return Unit(
        code="ubkt", name="Ủy ban Kiểm tra Tỉnh ủy", parent=parent, document_symbol="UBKTTU",
        document_place="Quảng Ninh", document_style=PARTY,
    )  # fmt: skip


def sample_content(kind: str, style: str, *, full: bool = True) -> Content:
    """A document of `kind` in `style` filled with sample values (see the module)."""
    type_name, summary = TITLES[kind]
    content = header(
        kind=kind,
        issuer=_issuer(style),
        number=12 if full else None,
        issued_on=dt.date(2025, 2, 5) if full else None,
        draft=full,
        type_name=type_name,
        summary=summary,
        mark="MẬT" if full else "",
    )
    if not full:
        content.superior = content.signer_title = content.signer_name = ""
        return content
    content.team_copy = kind == Kind.CHECKLIST
    content.basis = [Block("Căn cứ Quy định số 22-QĐ/TW ngày 28/7/2021;", basis=True)]
    content.blocks = [
        Block("I. KẾT LUẬN CHUNG", heading=True),
        Block("Đảng ủy xã đã lãnh đạo thực hiện nghiêm túc các nội dung kiểm tra."),
    ]
    row = {field: example for field, (_meaning, example) in ROW_FIELDS[kind].items()}
    content.rows = [row, {**row, **{field: "" for field in row}}]
    content.after = [Block("Các đơn vị có tên trên tổ chức thực hiện các kiến nghị.")]
    content.signer_title = "TRƯỞNG ĐOÀN KIỂM TRA"
    content.signer_name = "Nguyễn Văn An"
    content.recipients = recipient_lines(["Đảng ủy xã Yên Hưng"], "Lưu Văn phòng")
    return content


def samples(kind: str, style: str) -> list[Content]:
    return [sample_content(kind, style), sample_content(kind, style, full=False)]
