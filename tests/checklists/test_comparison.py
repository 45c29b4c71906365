"""The word-level comparison of two revisions' texts (checklists.comparison), pure:
no database, no Django."""

from __future__ import annotations

import unicodedata

from bench.comparison import SECTIONS, thirty_pages
from checklists.comparison import (
    MAX_PAIRING_CELLS,
    compare_paragraphs,
    compare_texts,
    paragraphs,
    unified_diff,
    words,
)
from checklists.coverage import SectionRef

INTRO = "BÁO CÁO\nKết quả công tác bảo vệ chính trị nội bộ"
SECTION_I = (
    "I. ĐẶC ĐIỂM TÌNH HÌNH\n"
    "Đảng bộ Huyện có 30 đảng bộ, chi bộ trực thuộc, tổng số 4.486 đảng viên.\n"
    "Ban Thường vụ Huyện uỷ 11 đồng chí."
)
SECTION_III = (
    "III. Kết quả thực hiện nhiệm vụ\n"
    "Hội đồng nhân dân cấp xã là 468 ứng cử viên.\n"
    "Giải quyết 01 đơn thư tố cáo."
)
OUTLINE = [
    SectionRef("I", "Đặc điểm tình hình"),
    SectionRef("II", "Công tác lãnh đạo, chỉ đạo, quán triệt"),
    SectionRef("III", "Kết quả thực hiện nhiệm vụ"),
]


def text(*parts: str) -> str:
    return "\n".join(parts)


def section(result, number):
    return next(s for s in result.sections if s["number"] == number)


def changed(result) -> list[dict]:
    return [c for s in result.sections for c in s["changes"] if c["op"] != "equal"]


def test_it_finds_no_change_between_identical_texts():
    same = text(INTRO, SECTION_I, SECTION_III)

    result = compare_texts(same, same, OUTLINE)

    assert changed(result) == []
    assert (result.inserted, result.deleted) == (0, 0)
    assert result.unified_body == ""
    assert not any(s["changed"] for s in result.sections)


def test_it_marks_a_changed_figure_inside_its_paragraph_as_one_replace():
    old = text(INTRO, SECTION_I, SECTION_III)
    new = old.replace("468 ứng cử viên", "470 ứng cử viên")

    result = compare_texts(old, new, OUTLINE)

    [change] = changed(result)
    assert change["op"] == "replace"
    assert change["old"] == "Hội đồng nhân dân cấp xã là 468 ứng cử viên."
    assert change["new"] == "Hội đồng nhân dân cấp xã là 470 ứng cử viên."
    assert change["spans"] == [
        {"op": "equal", "text": "Hội đồng nhân dân cấp xã là"},
        {"op": "delete", "text": "468"},
        {"op": "insert", "text": "470"},
        {"op": "equal", "text": "ứng cử viên."},
    ]
    assert section(result, "III")["changed"] is True
    assert section(result, "I")["changed"] is False
    assert (result.inserted, result.deleted) == (1, 1)


def test_it_keeps_vietnamese_diacritics_as_different_words():
    old = text(SECTION_I)
    new = old.replace("Huyện uỷ", "Huyen uy")

    result = compare_texts(old, new, OUTLINE)

    [change] = changed(result)
    assert [s for s in change["spans"] if s["op"] != "equal"] == [
        {"op": "delete", "text": "Huyện uỷ"},
        {"op": "insert", "text": "Huyen uy"},
    ]
    assert (result.inserted, result.deleted) == (2, 2)


def test_it_sees_no_change_in_nfd_spelling_or_spacing():
    """GIVEN the same text in NFD (combining diacritics, as some Mac and PDF tools
    write it), with non-breaking spaces, runs of spaces and tabs THEN nothing changed."""
    old = text(INTRO, SECTION_I, SECTION_III)
    new = unicodedata.normalize("NFD", old)
    new = new.replace(" ", "\u00a0", 3).replace("đảng viên", "đảng  \t viên")
    assert new != old

    result = compare_texts(old, new, OUTLINE)

    assert changed(result) == []
    assert (result.inserted, result.deleted) == (0, 0)
    assert result.unified_body == ""
    assert words("Hu\u0300y  ê\u0323n") == ("Hùy", "ện")


def test_it_inserts_and_deletes_whole_paragraphs_and_counts_their_words():
    old = text(SECTION_I, SECTION_III)
    new = text(
        SECTION_I.replace("\nBan Thường vụ Huyện uỷ 11 đồng chí.", ""),
        SECTION_III + "\nNắm và quản lý cán bộ đi nước ngoài 23 trường hợp.",
    )

    result = compare_texts(old, new, OUTLINE)

    assert [(c["op"], c["old"], c["new"]) for c in changed(result)] == [
        ("delete", "Ban Thường vụ Huyện uỷ 11 đồng chí.", None),
        ("insert", None, "Nắm và quản lý cán bộ đi nước ngoài 23 trường hợp."),
    ]
    assert (section(result, "I")["inserted"], section(result, "I")["deleted"]) == (0, 8)
    assert (section(result, "III")["inserted"], section(result, "III")["deleted"]) == (12, 0)
    assert (result.inserted, result.deleted) == (12, 8)


def test_it_keeps_very_different_paragraphs_as_a_delete_and_an_insert():
    old = text(SECTION_I)
    new = old.replace(
        "Ban Thường vụ Huyện uỷ 11 đồng chí.", "Tiếp tục rà soát hồ sơ trong năm tới."
    )

    result = compare_texts(old, new, OUTLINE)

    assert [c["op"] for c in changed(result)] == ["delete", "insert"]
    assert "spans" not in changed(result)[0]


def test_it_pairs_each_edited_paragraph_with_its_own_in_a_replaced_block():
    """GIVEN three paragraphs in a row each edited, one of them also moved after
    a new one THEN each is a replace of its own, in order, and the new one an insert."""
    old = [
        "Đã thẩm định 62 nhân sự Đại hội Đảng bộ Huyện.",
        "Đã kết nạp vào Đảng 188 hồ sơ trong nhiệm kỳ.",
        "Quy hoạch cán bộ 324 đồng chí theo kế hoạch.",
    ]
    new = [
        "Đã thẩm định 64 nhân sự Đại hội Đảng bộ Huyện.",
        "Một đoạn hoàn toàn mới về công tác phối hợp.",
        "Đã kết nạp vào Đảng 190 hồ sơ trong nhiệm kỳ.",
        "Quy hoạch cán bộ 326 đồng chí theo kế hoạch.",
    ]

    changes = compare_paragraphs(paragraphs("\n".join(old)), paragraphs("\n".join(new)))

    assert [c["op"] for c in changes] == ["replace", "insert", "replace", "replace"]
    assert [c["old"] for c in changes if c["op"] == "replace"] == old


def test_it_puts_the_text_before_the_first_heading_in_a_section_without_number():
    old = text(INTRO, SECTION_I)
    new = text(INTRO.replace("BÁO CÁO", "BÁO CÁO (dự thảo lần 2)"), SECTION_I)

    result = compare_texts(old, new, OUTLINE)

    first = result.sections[0]
    assert (first["number"], first["title"]) == (None, None)
    assert first["changed"] is True
    assert [s["number"] for s in result.sections] == [None, "I", "II", "III"]
    assert [s["title"] for s in result.sections[1:]] == [s.title for s in OUTLINE]


def test_it_has_no_section_without_number_when_both_texts_start_with_a_heading():
    result = compare_texts(SECTION_I, SECTION_I, OUTLINE)

    assert [s["number"] for s in result.sections] == ["I", "II", "III"]


def test_it_compares_a_section_with_the_same_section_wherever_it_stands():
    """GIVEN revision 2 adds section III and moves nothing else THEN section III is
    inserted whole (its heading too) and section I is unchanged; sections neither
    revision has come with no changes."""
    old = text(INTRO, SECTION_I)
    new = text(INTRO, SECTION_I, SECTION_III)

    result = compare_texts(old, new, OUTLINE)

    assert section(result, "I")["changed"] is False
    assert [c["op"] for c in section(result, "III")["changes"]] == ["insert"] * 3
    assert section(result, "III")["changes"][0]["new"] == "III. Kết quả thực hiện nhiệm vụ"
    assert section(result, "II") == {
        "number": "II",
        "title": "Công tác lãnh đạo, chỉ đạo, quán triệt",
        "changed": False,
        "inserted": 0,
        "deleted": 0,
        "changes": [],
    }


def test_it_keeps_everything_in_the_unnumbered_section_when_no_heading_is_found():
    result = compare_texts("Một đoạn.\nHai đoạn văn.", "Một đoạn.\nBa câu khác nữa.", OUTLINE)

    assert result.sections[0]["number"] is None
    assert [c["op"] for c in result.sections[0]["changes"]] == ["equal", "delete", "insert"]


def test_it_writes_the_unified_diff_with_the_readers_labels():
    old = text(INTRO, SECTION_III)
    new = old.replace("468", "470")

    body = compare_texts(old, new, OUTLINE).unified_body
    diff = unified_diff(body, old_label="lần 1", new_label="lần 2")

    assert diff.startswith("--- lần 1\n+++ lần 2\n@@")
    assert "-Hội đồng nhân dân cấp xã là 468 ứng cử viên.\n" in diff
    assert "+Hội đồng nhân dân cấp xã là 470 ứng cử viên.\n" in diff
    assert unified_diff("", old_label="a", new_label="b") == ""


def test_it_pairs_a_huge_replaced_block_in_order():
    """GIVEN more rewritten paragraphs in a row than the best-pair search takes THEN
    they are paired in order, still one replace each."""
    count = int(MAX_PAIRING_CELLS**0.5) + 5
    old = "\n".join(f"Đoạn số {i} nói về công tác bảo vệ chính trị nội bộ." for i in range(count))
    new = old.replace("công tác", "nhiệm vụ")

    result = compare_texts(old, new, OUTLINE)

    assert [c["op"] for c in changed(result)] == ["replace"] * count
    assert (result.inserted, result.deleted) == (2 * count, 2 * count)


def test_it_compares_two_thirty_page_revisions():
    old, new = thirty_pages()
    assert len(old.split()) > 14_000

    result = compare_texts(old, new, SECTIONS)

    ops = [c["op"] for c in changed(result)]
    assert ops.count("replace") >= 36  # every corrected figure: 8 a section
    figures = [
        c
        for c in changed(result)
        if c["op"] == "replace"
        and [s["op"] for s in c["spans"] if s["op"] != "equal"] == ["delete", "insert"]
        and all(s["text"].isdigit() for s in c["spans"] if s["op"] != "equal")
    ]
    assert len(figures) >= 36
    assert result.inserted == sum(s["inserted"] for s in result.sections)
    assert result.deleted == sum(s["deleted"] for s in result.sections)
