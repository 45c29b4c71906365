"""checklists.coverage.normalise and normalise_lines, rewritten for speed (issue 16:
the revision page reads a 30-page report's outline coverage on every request),
give what the straightforward version gave, character for character: the kept
comparisons and the coverage must not change with it."""

from __future__ import annotations

import re
import unicodedata

import pytest

from bench.comparison import drafts
from checklists.coverage import normalise, normalise_lines

TRICKY = [
    "Phần I – ĐẶC ĐIỂM TÌNH HÌNH",
    "đ Đ đồng chí Đảng",
    unicodedata.normalize("NFD", "Kết quả thực hiện nhiệm vụ"),
    "x\u0301\u0323 é ñ ǅ ﬁ ① Ａｂｃ",
    "İstanbul ΟΔΟΣ Σ ς",
    "tab\there (a), b; c\u00a0d «e» “f” — g… 1.2 3/4 5-6 7:8",
    "",
    "   ",
    "I.",
    "IV) Hạn chế, nguyên nhân",
]


def straightforward(text: str) -> str:
    """normalise as first written: each character asked in Python."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"[^\w\s.)\-:/]", " ", plain)
    return " ".join(plain.split())


@pytest.mark.parametrize("text", [*TRICKY, "\n".join(TRICKY), "a\u2028b\rc"])
def test_normalise_is_unchanged(text):
    assert normalise(text) == straightforward(text)


def test_normalise_lines_is_normalise_of_each_line():
    report = drafts(seed=3, pages=5, count=2)[1]
    lines = [*report.splitlines(), *TRICKY]

    assert normalise_lines(lines) == [straightforward(line) for line in lines]
    assert normalise_lines([]) == []


def test_a_line_holding_a_break_is_normalised_on_its_own():
    lines = ["a\nb", "Đ c"]

    assert normalise_lines(lines) == ["a b", "d c"]
