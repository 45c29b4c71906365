"""What a document says, apart from how it looks: the header's words (number line,
place and date), the body's blocks and rows, the signer and "Nơi nhận".

The words are Vietnamese whatever the reader's language: these are the official
formats of Hướng dẫn 36-HD/VPTW and Nghị định 30/2020/NĐ-CP, like the
classification marks (checklists.classification), not the product's wording."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from checklists.models import LegalInstrument, Unit

PARTY = Unit.DocumentStyle.PARTY
STATE = Unit.DocumentStyle.STATE
# A number not given yet (a draft): the place the office writes it in by hand.
BLANK = "…"


@dataclass(frozen=True)
class Block:
    """One paragraph of the body."""

    text: str
    heading: bool = False
    basis: bool = False


@dataclass
class Content:
    """Everything a template is filled with (render.render_docx)."""

    style: str
    kind: str
    draft: bool
    issuer_name: str
    superior: str
    number_line: str
    place_date: str
    type_name: str
    summary: str
    mark: str = ""
    basis: list[Block] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    after: list[Block] = field(default_factory=list)
    on_behalf: str = ""
    signer_title: str = ""
    signer_name: str = ""
    recipients: list[str] = field(default_factory=list)
    team_copy: bool = False
    # The issuing unit: its own template of this kind, if it uploaded one, is used
    # instead of the built-in one (render.render_docx).
    issuer_id: int | None = None
    # Shown beside the document (API, page), never printed in it.
    warnings: list[str] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        return {
            "draft": self.draft,
            "issuer_name": self.issuer_name,
            "superior": self.superior,
            "number_line": self.number_line,
            "place_date": self.place_date,
            "type_name": self.type_name,
            "summary": self.summary,
            "mark": self.mark,
            "basis": self.basis,
            "blocks": self.blocks,
            "rows": self.rows,
            "after": self.after,
            "on_behalf": self.on_behalf,
            "signer_title": self.signer_title,
            "signer_name": self.signer_name,
            "recipients": self.recipients,
        }


# --- the header's rules -------------------------------------------------------------------


def symbol(unit: Unit) -> str:
    """The issuer part of its numbers ("TU"); its code in capitals when unset."""
    return unit.document_symbol or unit.code.upper()


def reference(style: str, number: int | None, type_code: str, issuer_symbol: str) -> str:
    """Party "12-KL/TU" (HD 36, II.1.3); State "12/KL-TU" with numbers under 10
    written with a leading zero (NĐ 30, Phụ lục I, II.3). A draft's number is blank."""
    if style == STATE:
        shown = BLANK if number is None else f"{number:02d}"
        return f"{shown}/{type_code}-{issuer_symbol}"
    shown = BLANK if number is None else str(number)
    return f"{shown}-{type_code}/{issuer_symbol}"


def number_line(style: str, number: int | None, type_code: str, issuer_symbol: str) -> str:
    """ "Số 12-KL/TU" (Party: no colon) or "Số: 12/KL-TU" (State)."""
    prefix = "Số:" if style == STATE else "Số"
    return f"{prefix} {reference(style, number, type_code, issuer_symbol)}"


def date_words(day: dt.date | None, *, year: int | None = None) -> str:
    """ "ngày 05 tháng 02 năm 2025": a day under 10 and the months 1 and 2 with a
    leading zero (both texts). A draft's day and month are left blank."""
    if day is None:
        return f"ngày {BLANK} tháng {BLANK} năm {year or dt.date.today().year}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_date(unit: Unit, day: dt.date | None, *, year: int | None = None) -> str:
    place = unit.document_place or unit.name
    return f"{place}, {date_words(day, year=year)}"


def short_date(day: dt.date | None) -> str:
    """A date inside the body's text and tables: dd/mm/yyyy."""
    return f"{day:%d/%m/%Y}" if day is not None else ""


def on_behalf(style: str, unit: Unit) -> str:
    """The collective's authority: "T/M <BODY>" (HD 36) or "TM. <BODY>" (NĐ 30)."""
    prefix = "TM." if style == STATE else "T/M"
    return f"{prefix} {unit.name.upper()}"


def recipient_lines(names: list[str], keep: str) -> list[str]:
    """ "- A," … "- Lưu …." : each addressee on its line, the file copy last."""
    lines = [f"- {name}," for name in dict.fromkeys(n for n in names if n)]
    return [*lines, f"- {keep}."]


def keep_line(style: str) -> str:
    return "Lưu: VT" if style == STATE else "Lưu Văn phòng"


def lower_first(text: str) -> str:
    """A title made the summary's continuation ("Kiểm tra …" → "kiểm tra …"),
    unless it opens with an acronym or a proper name in capitals."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


# --- the legal basis ----------------------------------------------------------------------


class Citer:
    """Cites instruments: the full citation on first mention, the short one after
    (NĐ 30, Phụ lục I, II.6: "căn cứ" cites in full; the body repeats the short
    form). Collects the replaced instruments cited, as warnings."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.replaced: list[LegalInstrument] = []

    def cite(self, instrument: LegalInstrument) -> str:
        if instrument.pk in self.seen:
            return instrument.short_citation
        self.seen.add(instrument.pk)
        if instrument.is_replaced:
            self.replaced.append(instrument)
        return instrument.citation

    def basis(self, instruments: list[LegalInstrument]) -> list[Block]:
        lines = []
        for instrument in dict.fromkeys(instruments):
            lines.append(Block(text=f"Căn cứ {self.cite(instrument)};", basis=True))
        return lines
