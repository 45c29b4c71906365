"""Makes the sample draft reports of the tests: Thanh Bình district's draft report on
internal political protection, revision 1 (sections I–III) and revision 2 (all six,
one figure corrected from 468 to 470), as .docx, .odt and .pdf.

The text follows the seed article the product was built from; the files are ours,
generated here and committed beside this script (tests/data/reports/), so the suite
needs nothing outside the repository. Run it again after changing the text:

    .venv/bin/python -m tests.data.make_reports
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
from odf.opendocument import OpenDocumentText
from odf.text import H, P

HERE = Path(__file__).resolve().parent / "reports"

# (style, text) of revision 2, in order; revision 1 is the first three sections with
# its own subtitle and the earlier figure.
REVISION_2: list[tuple[str, str]] = [
    ("Title", "BÁO CÁO"),
    ("Heading 2", "Kết quả công tác bảo vệ chính trị nội bộ của Đảng bộ huyện Thanh Bình"),
    ("Heading 2", "(Dự thảo lần 2)"),
    ("Heading 1", "I. ĐẶC ĐIỂM TÌNH HÌNH"),
    (
        "Normal",
        "Đảng bộ Huyện có 30 đảng bộ, chi bộ trực thuộc (22 đảng bộ, 08 chi bộ), trong đó: 214 chi bộ trực thuộc đảng uỷ cơ sở với tổng số 4.486 đảng viên; Ban Chấp hành Đảng bộ có 37 đồng chí, Ban Thường vụ Huyện uỷ 11 đồng chí.",
    ),
    ("Heading 1", "II. Công tác lãnh đạo, chỉ đạo, quán triệt"),
    (
        "Normal",
        "Ban Thường vụ Huyện uỷ chỉ đạo các cấp uỷ quán triệt và tổ chức thực hiện nghiêm Quy định số 126-QĐ/TW ngày 28/02/2018 của Bộ Chính trị và Hướng dẫn số 19-HD/BTCTW ngày 12/9/2019 của Ban Tổ chức Trung ương.",
    ),
    (
        "Normal",
        "Thực hiện Quy chế số 06-QC/TU ngày 21/02/2019 của Ban Thường vụ Tỉnh uỷ, Ban Thường vụ Huyện uỷ ban hành Quy chế số 06-QC/HU ngày 19/9/2019 phối hợp thực hiện nhiệm vụ bảo vệ chính trị nội bộ.",
    ),
    (
        "Normal",
        "Ban Thường vụ Huyện uỷ ban hành Kế hoạch số 02-KH/HU ngày 24/9/2020 về thực hiện Kết luận số 72-KL/TW của Bộ Chính trị.",
    ),
    ("Heading 1", "III. Kết quả thực hiện nhiệm vụ"),
    (
        "Normal",
        "Đã thẩm định tiêu chuẩn chính trị phục vụ công tác nhân sự Đại hội Đảng bộ Huyện 62 nhân sự, nhân sự Đại hội Đảng cấp cơ sở nhiệm kỳ 2020 - 2025 là 244 nhân sự.",
    ),
    (
        "Normal",
        "Đã thẩm định tiêu chuẩn chính trị phục vụ công tác bầu cử Hội đồng nhân dân cấp Huyện nhiệm kỳ 2021 - 2026 là 57 ứng cử viên, Hội đồng nhân dân cấp xã là 470 ứng cử viên.",
    ),
    (
        "Normal",
        "Đã rà soát, thẩm định và kết luận tiêu chuẩn chính trị phục vụ công tác kết nạp vào Đảng 188 hồ sơ, phục vụ công tác quy hoạch cán bộ 324 đồng chí, phục vụ công tác giới thiệu, đề bạt bổ nhiệm, sắp xếp cán bộ 38 đồng chí.",
    ),
    (
        "Normal",
        "Giải quyết 01 đơn thư tố cáo nội dung có liên quan đến lịch sử chính trị, nắm và quản lý cán bộ, đảng viên đi nước ngoài 23 trường hợp.",
    ),
    ("Heading 1", "IV. Hạn chế, nguyên nhân"),
    (
        "Normal",
        "Vẫn còn một số ít cấp uỷ cơ sở chưa chủ động thực hiện tốt công tác bảo vệ chính trị nội bộ tại cơ quan, đơn vị; công tác quản lý cán bộ, đảng viên từng lúc, từng nơi chưa chặt chẽ.",
    ),
    (
        "Normal",
        "Nguyên nhân hạn chế: một vài cấp uỷ cơ sở chưa quán triệt đầy đủ ý nghĩa và tầm quan trọng của công tác bảo vệ chính trị nội bộ.",
    ),
    ("Heading 1", "V. Phương hướng, nhiệm vụ, giải pháp"),
    (
        "Normal",
        "Tiếp tục quán triệt thực hiện nghiêm nội dung Công văn số 1169-CV/TU ngày 30/7/2020 của Ban Thường vụ Tỉnh uỷ và Chỉ thị số 39-CT/TW ngày 18/8/2014 của Bộ Chính trị.",
    ),
    (
        "Normal",
        "Lãnh đạo, chỉ đạo thực hiện chặt chẽ công tác rà soát, thẩm định, thẩm tra và kết luận rõ tiêu chuẩn chính trị của cán bộ, đảng viên.",
    ),
    ("Heading 1", "VI. Kiến nghị, đề xuất"),
    (
        "Normal",
        "Đề nghị Ban Tổ chức Tỉnh uỷ tiếp tục tổ chức tập huấn nghiệp vụ bảo vệ chính trị nội bộ cho cán bộ làm công tác tổ chức cấp huyện và cơ sở.",
    ),
]
LAST_OF_REVISION_1 = 14  # the paragraphs before "IV. Hạn chế, nguyên nhân"


def paragraphs(revision: int) -> list[tuple[str, str]]:
    if revision == 2:
        return list(REVISION_2)
    first = [
        (style, text.replace("(Dự thảo lần 2)", "(Dự thảo lần 1)").replace(" 470 ", " 468 "))
        for style, text in REVISION_2[:LAST_OF_REVISION_1]
    ]
    return first


def docx_bytes(revision: int) -> bytes:
    document = docx.Document()
    for style, text in paragraphs(revision):
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_bytes(revision: int) -> bytes:
    document = OpenDocumentText()
    for style, text in paragraphs(revision):
        if style == "Normal":
            document.text.addElement(P(text=text))
        else:
            level = {"Title": 1, "Heading 1": 1, "Heading 2": 2}[style]
            document.text.addElement(H(outlinelevel=level, text=text))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def pdf_bytes(revision: int) -> bytes:
    """A PDF whose text extracts as the paragraphs, Vietnamese letters included.

    Written by hand (no PDF library in the project writes text): one Helvetica font
    with a single-byte encoding whose upper half holds the Vietnamese letters the
    text needs, and a ToUnicode map so that text extraction reads them back. Viewers
    draw those letters with Helvetica's fallback glyphs; only the extracted text
    matters to the tests."""
    lines = [text for _style, text in paragraphs(revision)]
    extra = sorted({ch for line in lines for ch in line if ord(ch) > 126})
    if len(extra) > 128:
        raise ValueError("too many distinct letters for one single-byte font")
    code = {ch: 128 + index for index, ch in enumerate(extra)}

    def encode(text: str) -> bytes:
        raw = bytes(code[ch] if ch in code else ord(ch) for ch in text)
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    content = b"BT /F1 10 Tf 14 TL 50 800 Td\n"
    for line in lines:
        content += b"(" + encode(line) + b") Tj T*\n"
    content += b"ET"
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Vietnamese def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"{len(extra)} beginbfchar\n"
        + "".join(f"<{code[ch]:02X}> <{ord(ch):04X}>\n" for ch in extra)
        + "endbfchar\n"
        "1 beginbfrange <20> <7E> <0020> endbfrange\n"
        + "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    differences = " ".join(f"{code[ch]} /g{code[ch]}" for ch in extra)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b"/Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences ["
        + differences.encode()
        + b"] >> /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    (HERE / "thanh-binh-draft-v1.docx").write_bytes(docx_bytes(1))
    (HERE / "thanh-binh-draft-v2.docx").write_bytes(docx_bytes(2))
    (HERE / "thanh-binh-draft-v2.odt").write_bytes(odt_bytes(2))
    (HERE / "thanh-binh-draft-v2.pdf").write_bytes(pdf_bytes(2))


if __name__ == "__main__":
    main()
