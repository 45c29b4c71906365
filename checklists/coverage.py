"""Which outline sections a draft report covers, and the diff of two revisions' text.

Headings are matched the way people write them: "I. ĐẶC ĐIỂM TÌNH HÌNH",
"Phần I - Đặc điểm tình hình", "i: dac diem tinh hinh", "IV. Hạn chế và nguyên
nhân" for the outline's "Hạn chế, nguyên nhân". A line is a heading of a section
when

1. it starts with the section's number (optionally after "Phần", "Mục", "Part",
   "Section"), followed by a separator, and the rest resembles the title
   (rapidfuzz token-set ratio, diacritics and case ignored) — or the rest is
   empty and the next line resembles the title ("PHẦN I" on a line of its own); or
2. without a number, the whole line is the title, nearly word for word (a body
   sentence that merely contains the title's words does not count).

rapidfuzz's token_set_ratio scores a heading that adds or drops a word or two
("và", "công tác") as a near match, which difflib's ratio punishes.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

NUMBERED_TITLE_SCORE = 70
BARE_TITLE_SCORE = 90

_PREFIX = r"(?:phan|muc|chuong|part|section|chapter)\s*"
_HEADING = re.compile(
    rf"^\s*(?:{_PREFIX})?(?P<number>[ivxlcdm]+|\d+(?:\.\d+)*|[a-z]{1, 3}(?=\s*[.)\-:]))\s*(?:[.)\-:/]+|\s|$)\s*(?P<rest>.*)$"
)


@dataclass(frozen=True)
class SectionRef:
    number: str
    title: str


@dataclass(frozen=True)
class SectionCoverage:
    number: str
    title: str
    covered: bool


def normalise(text: str) -> str:
    """Lower case, no diacritics (đ → d), punctuation as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"[^\w\s.)\-:/]", " ", plain)
    return " ".join(plain.split())


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _heading_parts(line: str) -> tuple[str, str] | None:
    match = _HEADING.match(line)
    if match is None:
        return None
    return match.group("number"), _words(match.group("rest"))


def _resembles(candidate: str, title: str, threshold: int) -> bool:
    return bool(candidate) and fuzz.token_set_ratio(candidate, title) >= threshold


def section_covered(lines: list[str], section: SectionRef) -> bool:
    number = normalise(section.number)
    title = _words(normalise(section.title))
    for index, line in enumerate(lines):
        parts = _heading_parts(line)
        if parts is not None and parts[0] == number:
            rest = parts[1]
            if _resembles(rest, title, NUMBERED_TITLE_SCORE):
                return True
            following = _words(lines[index + 1]) if index + 1 < len(lines) else ""
            if not rest and _resembles(following, title, NUMBERED_TITLE_SCORE):
                return True
        if parts is not None:
            continue  # numbered as another section (or numbered without its title)
        # A title on its own, without its number: nearly the whole line must be it.
        words = _words(line)
        if words and len(words) <= 2 * len(title) and fuzz.ratio(words, title) >= BARE_TITLE_SCORE:
            return True
    return False


def outline_coverage(text: str, sections: Iterable[SectionRef]) -> list[SectionCoverage]:
    lines = [normalise(line) for line in text.splitlines() if line.strip()]
    return [
        SectionCoverage(number=s.number, title=s.title, covered=section_covered(lines, s))
        for s in sections
    ]


def unified_text_diff(old: str, new: str, *, old_label: str, new_label: str) -> str:
    """A unified diff of two texts, line by line (a line is a paragraph)."""
    return "".join(
        difflib.unified_diff(
            [line + "\n" for line in old.splitlines()],
            [line + "\n" for line in new.splitlines()],
            fromfile=old_label,
            tofile=new_label,
        )
    )
