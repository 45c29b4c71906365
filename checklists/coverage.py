"""Which outline sections a draft report covers, and where each one's heading is
(checklists.comparison splits two revisions at those headings).

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


_PUNCTUATION = re.compile(r"[^\w\s.)\-:/]")


def _plain(text: str) -> str:
    """Lower case, no diacritics (đ → d), punctuation as spaces; spacing as it was.

    Written for long texts (a 30-page report is some 100,000 characters, and the
    revision page reads its outline coverage on every request, issue 16): each
    step runs in C over the whole text, and what is decided per character (is it
    a mark, is it punctuation) is decided once per distinct character, of which a
    report has a hundred or so. Asking it of every character in Python was most
    of the page's time."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    for mark in [ch for ch in set(decomposed) if unicodedata.combining(ch)]:
        decomposed = decomposed.replace(mark, "")
    plain = decomposed.lower()
    for punctuation in [ch for ch in set(plain) if _PUNCTUATION.match(ch)]:
        plain = plain.replace(punctuation, " ")
    return plain


def normalise(text: str) -> str:
    """Lower case, no diacritics (đ → d), punctuation as spaces, single spaces."""
    return " ".join(_plain(text).split())


def normalise_lines(lines: list[str]) -> list[str]:
    """[normalise(line) for line in lines], in one pass over the text (`lines` hold
    no line breaks: they come from splitlines)."""
    plain = _plain("\n".join(lines)).split("\n")
    if len(plain) != len(lines):  # a line held a break after all: one by one
        return [normalise(line) for line in lines]
    return [" ".join(line.split()) for line in plain]


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _heading_parts(line: str) -> tuple[str, str] | None:
    match = _HEADING.match(line)
    if match is None:
        return None
    return match.group("number"), _words(match.group("rest"))


def _resembles(candidate: str, title: str, threshold: int) -> bool:
    return bool(candidate) and fuzz.token_set_ratio(candidate, title) >= threshold


def heading_lines(lines: list[str], sections: Iterable[SectionRef]) -> dict[str, int]:
    """Section number → index of the first of `lines` (normalised, non-blank) that is
    its heading, for the sections found. Each line's heading parts are read once,
    whatever the number of sections (a 30-page report has hundreds of lines)."""
    parts = [_heading_parts(line) for line in lines]
    bare = [_words(line) if part is None else "" for line, part in zip(lines, parts, strict=True)]
    found: dict[str, int] = {}
    for section in sections:
        index = _heading_index(lines, parts, bare, section)
        if index is not None:
            found[section.number] = index
    return found


def _heading_index(
    lines: list[str],
    parts: list[tuple[str, str] | None],
    bare: list[str],
    section: SectionRef,
) -> int | None:
    number = normalise(section.number)
    title = _words(normalise(section.title))
    for index, part in enumerate(parts):
        if part is not None:
            if part[0] != number:
                continue  # numbered as another section (or numbered without its title)
            rest = part[1]
            if _resembles(rest, title, NUMBERED_TITLE_SCORE):
                return index
            following = _words(lines[index + 1]) if index + 1 < len(lines) else ""
            if not rest and _resembles(following, title, NUMBERED_TITLE_SCORE):
                return index
            continue
        # A title on its own, without its number: nearly the whole line must be it.
        words = bare[index]
        if words and len(words) <= 2 * len(title) and fuzz.ratio(words, title) >= BARE_TITLE_SCORE:
            return index
    return None


def outline_coverage(text: str, sections: Iterable[SectionRef]) -> list[SectionCoverage]:
    lines = normalise_lines([line for line in text.splitlines() if line.strip()])
    sections = list(sections)
    found = heading_lines(lines, sections)
    return [
        SectionCoverage(number=s.number, title=s.title, covered=s.number in found) for s in sections
    ]
