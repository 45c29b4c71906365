"""The citation parser (checklists.legal_citations) on every legal reference of the
seed articles, on the references the house's rules cite, and on what it refuses.

The strings are copied from the seed articles as they are written there (old tone
placement "uỷ", a comma before "ngày", quoted titles, titles without quotes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from checklists.legal_citations import (
    DOCUMENT_TYPES,
    ISSUERS,
    PARTY,
    STATE,
    CitationError,
    citation_date,
    parse_citation,
)

D = dt.date

# (citation, style, number, type code, type name, issuer code, year, issued on,
#  issuing body, title)
SEED_REFERENCES = [
    # seed 000
    (
        "Quyết định số 2143-QĐ/TU, ngày 26/11/2007 về ban hành Quy chế phối hợp (QCPH) "
        "thực hiện nhiệm vụ bảo vệ chính trị nội bộ",
        PARTY, "2143", "QĐ", "Quyết định", "TU", 2007, D(2007, 11, 26), "",
        "ban hành Quy chế phối hợp (QCPH) thực hiện nhiệm vụ bảo vệ chính trị nội bộ",
    ),
    (
        "Quy định số 126-QĐ/TW, ngày 28/02/2018 của Bộ Chính trị “Một số vấn đề về bảo vệ "
        "chính trị nội bộ Đảng”",
        PARTY, "126", "QĐ", "Quy định", "TW", 2018, D(2018, 2, 28), "Bộ Chính trị",
        "Một số vấn đề về bảo vệ chính trị nội bộ Đảng",
    ),
    (
        "Chỉ thị số 39-CT/TW, ngày 18/8/2014 của Bộ Chính trị",
        PARTY, "39", "CT", "Chỉ thị", "TW", 2014, D(2014, 8, 18), "Bộ Chính trị", "",
    ),
    (
        "Kế hoạch số 134-KH/TU, ngày 27/01/2015 của Ban Thường vụ Tỉnh ủy “về tăng cường "
        "công tác bảo vệ chính trị nội bộ”",
        PARTY, "134", "KH", "Kế hoạch", "TU", 2015, D(2015, 1, 27), "Ban Thường vụ Tỉnh ủy",
        "tăng cường công tác bảo vệ chính trị nội bộ",
    ),
    # seed 001
    (
        "Quy định số 126-QĐ/TW ngày 28/02/2018 của Bộ Chính trị một số vấn đề về bảo vệ "
        "chính trị nội bộ Đảng",
        PARTY, "126", "QĐ", "Quy định", "TW", 2018, D(2018, 2, 28), "Bộ Chính trị",
        "một số vấn đề về bảo vệ chính trị nội bộ Đảng",
    ),
    (
        "Hướng dẫn số 19-HD/BTCTW ngày 12/9/2019 của Ban Tổ chức Trung ương về việc thực "
        "hiện một số Điều trong Quy định số 126-QĐ/TW của Bộ Chính trị",
        PARTY, "19", "HD", "Hướng dẫn", "BTCTW", 2019, D(2019, 9, 12), "Ban Tổ chức Trung ương",
        "việc thực hiện một số Điều trong Quy định số 126-QĐ/TW của Bộ Chính trị",
    ),
    (
        "Quy định số 126-QĐ/TW của Bộ Chính trị",
        PARTY, "126", "QĐ", "Quy định", "TW", None, None, "Bộ Chính trị", "",
    ),
    (
        "Nghị quyết số 26-NQ/TW",
        PARTY, "26", "NQ", "Nghị quyết", "TW", None, None, "", "",
    ),
    (
        "Kế hoạch số 108-KH/TU ngày 25/7/2018 của Ban Chấp hành Đảng bộ Tỉnh thực hiện "
        "Nghị quyết số 26-NQ/TW",
        PARTY, "108", "KH", "Kế hoạch", "TU", 2018, D(2018, 7, 25),
        "Ban Chấp hành Đảng bộ Tỉnh", "thực hiện Nghị quyết số 26-NQ/TW",
    ),
    (
        "Kế hoạch số 72-KH/HU ngày 17/9/2018 của Ban Chấp hành Đảng bộ Huyện",
        PARTY, "72", "KH", "Kế hoạch", "HU", 2018, D(2018, 9, 17),
        "Ban Chấp hành Đảng bộ Huyện", "",
    ),
    (
        "Quy chế số 06-QC/TU ngày 21/02/2019 của Ban Thường vụ Tỉnh uỷ về phối hợp thực "
        "hiện nhiệm vụ bảo vệ chính trị nội bộ",
        PARTY, "06", "QC", "Quy chế", "TU", 2019, D(2019, 2, 21), "Ban Thường vụ Tỉnh ủy",
        "phối hợp thực hiện nhiệm vụ bảo vệ chính trị nội bộ",
    ),
    (
        "Quy chế số 06-QC/HU ngày 19/9/2019",
        PARTY, "06", "QC", "Quy chế", "HU", 2019, D(2019, 9, 19), "", "",
    ),
    (
        "Kết luận số 72-KL/TW của Bộ Chính trị",
        PARTY, "72", "KL", "Kết luận", "TW", None, None, "Bộ Chính trị", "",
    ),
    (
        "Kế hoạch số 02-KH/HU ngày 24/9/2020 về thực hiện Kết luận số 72-KL/TW của Bộ "
        "Chính trị",
        PARTY, "02", "KH", "Kế hoạch", "HU", 2020, D(2020, 9, 24), "",
        "thực hiện Kết luận số 72-KL/TW của Bộ Chính trị",
    ),
    (
        "Kết luận số 72-KL/TW ngày 19/5/2020 của Bộ Chính trị khoá XII về tiếp tục tăng "
        "cường công tác bảo vệ chính trị nội bộ trong tình hình mới",
        PARTY, "72", "KL", "Kết luận", "TW", 2020, D(2020, 5, 19), "Bộ Chính trị khóa XII",
        "tiếp tục tăng cường công tác bảo vệ chính trị nội bộ trong tình hình mới",
    ),
    (
        "Công văn số 1169-CV/TU ngày 30/7/2020 của Ban Thường vụ Tỉnh uỷ",
        PARTY, "1169", "CV", "Công văn", "TU", 2020, D(2020, 7, 30), "Ban Thường vụ Tỉnh ủy", "",
    ),
    (
        "Kết luận số 72-KL/TW ngày 05/6/2020 của Bộ Chính trị khóa XII",
        PARTY, "72", "KL", "Kết luận", "TW", 2020, D(2020, 6, 5), "Bộ Chính trị khóa XII", "",
    ),
    (
        "Kế hoạch số 126-KH/TU, ngày 05/3/2015 của Ban Thường vụ Tỉnh uỷ, về thực hiện "
        "Chỉ thị số 39-CT/TW",
        PARTY, "126", "KH", "Kế hoạch", "TU", 2015, D(2015, 3, 5), "Ban Thường vụ Tỉnh ủy",
        "thực hiện Chỉ thị số 39-CT/TW",
    ),
    # seed 003
    (
        "Nghị quyết số 21-NQ/TW của Ban Chấp hành Trung ương Đảng khóa XIII “về tăng cường "
        "củng cố, xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ đảng viên "
        "trong giai đoạn mới”",
        PARTY, "21", "NQ", "Nghị quyết", "TW", None, None,
        "Ban Chấp hành Trung ương Đảng khóa XIII",
        "tăng cường củng cố, xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ "
        "đảng viên trong giai đoạn mới",
    ),
    # seed 004
    (
        "Quy chế số 03-QC/TU, ngày 18/12/2018 của Ban Thường vụ Tỉnh ủy về công tác phối "
        "hợp bảo vệ chính trị nội bộ",
        PARTY, "03", "QC", "Quy chế", "TU", 2018, D(2018, 12, 18), "Ban Thường vụ Tỉnh ủy",
        "công tác phối hợp bảo vệ chính trị nội bộ",
    ),
    (
        "Công văn số 3080-CV/TU, ngày 16/12/2019",
        PARTY, "3080", "CV", "Công văn", "TU", 2019, D(2019, 12, 16), "", "",
    ),
    # The house's own rules and what SPEC §12–§13 cite.
    ("Hướng dẫn 36-HD/VPTW", PARTY, "36", "HD", "Hướng dẫn", "VPTW", None, None, "", ""),
    ("Quy định 07-QĐi/TW", PARTY, "07", "QĐi", "Quy định", "TW", None, None, "", ""),
    ("Chỉ thị số 30-CT/TW", PARTY, "30", "CT", "Chỉ thị", "TW", None, None, "", ""),
    ("Quy chế số 08-QC/TW", PARTY, "08", "QC", "Quy chế", "TW", None, None, "", ""),
    ("Quy định 331-QĐ/TW", PARTY, "331", "QĐ", "Quy định", "TW", None, None, "", ""),
    (
        "Nghị định số 30/2020/NĐ-CP",
        STATE, "30", "NĐ", "Nghị định", "CP", 2020, None, "", "",
    ),
    (
        "Nghị định 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư",
        STATE, "30", "NĐ", "Nghị định", "CP", 2020, D(2020, 3, 5), "Chính phủ",
        "công tác văn thư",
    ),
    ("33/2015/NĐ-CP", STATE, "33", "NĐ", "Nghị định", "CP", 2015, None, "", ""),
    ("Quyết định số 15/QĐ-BNV", STATE, "15", "QĐ", "Quyết định", "BNV", None, None, "", ""),
    (
        "Quyết định số 15/QĐ-BNV ngày 08/01/2021 của Bộ Nội vụ",
        STATE, "15", "QĐ", "Quyết định", "BNV", 2021, D(2021, 1, 8), "Bộ Nội vụ", "",
    ),
]  # fmt: skip


@pytest.mark.parametrize("row", SEED_REFERENCES, ids=[row[0][:40] for row in SEED_REFERENCES])
def test_it_reads_every_reference_of_the_seed_articles(row):
    text, style, number, type_code, type_name, issuer, year, issued_on, body, title = row
    parts = parse_citation(text)
    assert (parts.style, parts.number, parts.type_code, parts.type_name) == (
        style,
        number,
        type_code,
        type_name,
    )
    assert (parts.issuer_code, parts.year, parts.issued_on) == (issuer, year, issued_on)
    assert (parts.issuer_name, parts.title) == (body, title)


@pytest.mark.parametrize("row", SEED_REFERENCES, ids=[row[0][:40] for row in SEED_REFERENCES])
def test_it_reads_back_its_own_full_and_short_citations(row):
    parts = parse_citation(row[0])
    assert parse_citation(parts.citation) == parts
    short = parse_citation(parts.short_citation)
    assert short.short_citation == parts.short_citation
    assert (short.style, short.number, short.type_code, short.issuer_code) == (
        parts.style,
        parts.number,
        parts.type_code,
        parts.issuer_code,
    )


def test_it_writes_the_citations_the_way_documents_do():
    parts = parse_citation(
        "Quy định số 126-QĐ/TW, ngày 28/02/2018 của Bộ Chính trị “Một số vấn đề về bảo vệ "
        "chính trị nội bộ Đảng”"
    )
    assert parts.citation == (
        "Quy định số 126-QĐ/TW ngày 28/02/2018 của Bộ Chính trị “Một số vấn đề về bảo vệ "
        "chính trị nội bộ Đảng”"
    )
    assert parts.short_citation == "Quy định 126-QĐ/TW"
    assert parse_citation("30/2020/NĐ-CP").citation == "Nghị định số 30/2020/NĐ-CP"
    assert parse_citation("15/QĐ-BNV").short_citation == "Quyết định 15/QĐ-BNV"
    assert parse_citation("Chỉ thị 39-CT/TW ngày 18/8/2014").citation == (
        "Chỉ thị số 39-CT/TW ngày 18/8/2014"
    )


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (D(2018, 2, 28), "28/02/2018"),
        (D(2014, 8, 18), "18/8/2014"),
        (D(2015, 3, 5), "05/3/2015"),
        (D(2015, 1, 27), "27/01/2015"),
        (D(2019, 12, 16), "16/12/2019"),
    ],
)
def test_it_dates_citations_as_the_rules_write_them(day, written):
    assert citation_date(day) == written


@pytest.mark.parametrize(
    "spelling",
    [
        "Quy định số 126-QĐ/TW ngày 28/02/2018",
        "quy định số 126-qđ/tw ngày 28/2/2018",
        "Quy định số 126 - QĐ / TW , ngày 28-02-2018",
        "Quy định\u00a0số\u00a0126-QĐ/TW ngày 28.02.2018.",
        "Quy định số 126–QĐ/TW ngày 28 tháng 02 năm 2018",
        "Quy định số 126-QÐ/TW ngày 28/02/2018",  # Ð: the Icelandic eth, pasted for Đ
        "Quy \u0111i\u0323nh số 126-QĐ/TW\nngày 28/02/2018",  # decomposed, a line break
        "Quy định số: 126-QĐ/TW ngày 28/02/2018",
        "126-QĐ/TW, ngày 28/02/2018",
        "  Quy định  126-QĐ/TW  ngày  28/02/2018  ",
    ],
)
def test_it_reads_every_spelling_of_one_instrument_alike(spelling):
    parts = parse_citation(spelling)
    assert (parts.style, parts.number, parts.type_code, parts.issuer_code, parts.year) == (
        PARTY,
        "126",
        "QĐ",
        "TW",
        2018,
    )
    assert parts.issued_on == D(2018, 2, 28)


def test_it_reads_a_bare_party_qd_as_a_decision_and_keeps_a_named_regulation():
    assert parse_citation("126-QĐ/TW").type_name == "Quyết định"
    assert parse_citation("Quy định 126-QĐ/TW").type_name == "Quy định"
    assert parse_citation("Quyết định số 2143-QĐ/TU").type_name == "Quyết định"


def test_it_pads_numbers_below_ten_as_both_rules_do():
    assert parse_citation("Quy chế số 6-QC/HU").number == "06"
    assert parse_citation("Nghị định 5/2021/NĐ-CP").reference == "05/2021/NĐ-CP"


def test_it_knows_the_codes_of_the_domain_and_the_seeds():
    assert {"QĐ", "CT", "KL", "KH", "QC", "HD", "CV", "NQ", "QĐi", "NĐ", "TT"} <= set(
        DOCUMENT_TYPES
    )
    assert {"TW", "TU", "HU", "BTCTW", "VPTW", "UBKTTW", "BNV", "CP", "BCA"} <= set(ISSUERS)
    # An issuer not in the table is kept, in capitals: the table does not limit them.
    assert parse_citation("12-QĐ/bcđ").issuer_code == "BCĐ"
    assert parse_citation("Quyết định 15/2020/QĐ-ttg").issuer_code == "TTg"


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Kế hoạch số 10", "number"),
        ("Báo cáo tham luận của Huyện ủy Thanh Bình", "number"),
        ("126-QĐ", "issuer"),
        ("Nghị định 30/2020/NĐ", "issuer"),
        ("12-XY/TW", "type"),
        ("Thực hiện Quy định số 126-QĐ/TW", "prefix"),
        ("Chỉ thị số 30/2020/NĐ-CP", "type_name"),
        ("Quy định số 126-QĐ/TW ngày 31/02/2018", "date"),
        ("Quy định số 126-QĐ/TW ngày hôm qua", "date"),
        ("Nghị định 30/2020/NĐ-CP ngày 05/3/2019", "year"),
        ("Quy định số 126-QĐ/TW ngày 28/02/1820", "year"),
        ("Quy định số 0-QĐ/TW", "number"),
        ("Quy định số 126-QĐ/TW " + "x" * 2000, "too_long"),
    ],
)
def test_it_refuses_what_is_not_a_citation_and_says_which_part(text, part):
    with pytest.raises(CitationError) as caught:
        parse_citation(text)
    assert caught.value.part == part
    assert caught.value.message_dict["citation"][0]


def test_it_refuses_in_the_persons_language():
    with translation.override("en"), pytest.raises(CitationError) as caught:
        parse_citation("Kế hoạch số 10")
    assert "No document number was found" in caught.value.message_dict["citation"][0]
