"""Citations of legal instruments (SPEC §12): read a pasted citation into its parts,
and write the parts back as a full and a short citation.

Pure: no database, no settings. Two number shapes exist:

- Party (Hướng dẫn 36-HD/VPTW): ``<n>-<type>/<issuer>``, e.g. ``126-QĐ/TW``; the year
  comes from the date ("ngày 28/02/2018") when the citation gives one.
- State (Nghị định 30/2020/NĐ-CP): ``<n>/<year>/<type>-<issuer>`` (normative
  documents) or ``<n>/<type>-<issuer>``, e.g. ``15/QĐ-BNV``; the year comes from the
  number, else from the date.

A citation is ``[type name] [số] <number> [,] [ngày <date>] [,] [của <body>] [title]``,
the way Party and State documents cite each other ("Quy định số 126-QĐ/TW, ngày
28/02/2018 của Bộ Chính trị “Một số vấn đề …”"). Anything else is refused with
the part that could not be read (`CitationError.part`).

Party ``QĐ`` abbreviates both "Quy định" (regulation) and "Quyết định" (decision):
the name the citation gives is kept; a bare number reads as "Quyết định", the
literal meaning of the code (HD 36 gives both the same code). State ``QĐ`` is
"Quyết định" unless the citation says "Quy định".
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from checklists.errors import Invalid
from checklists.limits import MAX_CITATION
from checklists.validators import REFUSED

PARTY = "party"
STATE = "state"


@dataclass(frozen=True)
class DocumentType:
    code: str
    names: tuple[str, ...]  # Vietnamese; the first is the default
    name_en: str


# Type codes of HD 36-HD/VPTW (Party) and NĐ 30/2020/NĐ-CP, appendix III (State),
# plus those the seed articles cite.
DOCUMENT_TYPES: dict[str, DocumentType] = {
    t.code: t
    for t in (
        DocumentType("NQ", ("Nghị quyết",), "Resolution"),
        DocumentType("QĐ", ("Quyết định", "Quy định"), "Decision / Regulation"),
        DocumentType("QĐi", ("Quy định",), "Regulation (Party)"),
        DocumentType("QyĐ", ("Quy định",), "Regulation"),
        DocumentType("CT", ("Chỉ thị",), "Directive"),
        DocumentType("KL", ("Kết luận",), "Conclusion"),
        DocumentType("QC", ("Quy chế",), "Rules"),
        DocumentType("HD", ("Hướng dẫn",), "Guidance"),
        DocumentType("KH", ("Kế hoạch",), "Plan"),
        DocumentType("CTr", ("Chương trình",), "Programme"),
        DocumentType("CV", ("Công văn",), "Official letter"),
        DocumentType("TB", ("Thông báo",), "Notice"),
        DocumentType("BC", ("Báo cáo",), "Report"),
        DocumentType("TTr", ("Tờ trình",), "Submission"),
        DocumentType("PA", ("Phương án",), "Scheme"),
        DocumentType("ĐA", ("Đề án",), "Project"),
        DocumentType("BB", ("Biên bản",), "Minutes"),
        DocumentType("NĐ", ("Nghị định",), "Decree"),
        DocumentType("TT", ("Thông tư",), "Circular"),
        DocumentType("TTLT", ("Thông tư liên tịch",), "Joint circular"),
        DocumentType("NQLT", ("Nghị quyết liên tịch",), "Joint resolution"),
        DocumentType("CĐ", ("Công điện",), "Official telegram"),
    )
}


@dataclass(frozen=True)
class Issuer:
    code: str
    name: str  # Vietnamese
    name_en: str


# Issuer codes of DOMAIN.md and the seed articles, and the central bodies whose
# instruments inspections most often cite.
ISSUERS: dict[str, Issuer] = {
    i.code: i
    for i in (
        Issuer("TW", "Trung ương", "Central Committee"),
        Issuer("VPTW", "Văn phòng Trung ương Đảng", "Central Party Office"),
        Issuer("UBKTTW", "Ủy ban Kiểm tra Trung ương", "Central Inspection Commission"),
        Issuer("BTCTW", "Ban Tổ chức Trung ương", "Central Organisation Commission"),
        Issuer("BTGTW", "Ban Tuyên giáo Trung ương", "Central Propaganda Commission"),
        Issuer("BNCTW", "Ban Nội chính Trung ương", "Central Internal Affairs Commission"),
        Issuer("BDVTW", "Ban Dân vận Trung ương", "Central Mass Mobilisation Commission"),
        Issuer("TU", "Tỉnh ủy", "Provincial Party Committee"),
        Issuer("ThU", "Thành ủy", "City Party Committee"),
        Issuer("HU", "Huyện ủy", "District Party Committee"),
        Issuer("QU", "Quận ủy", "Urban District Party Committee"),
        Issuer("ĐU", "Đảng ủy", "Party Committee"),
        Issuer("ĐUK", "Đảng ủy Khối", "Party Committee of the Bloc"),
        Issuer("BCĐ", "Ban Chỉ đạo", "Steering Committee"),
        Issuer("QH", "Quốc hội", "National Assembly"),
        Issuer("UBTVQH", "Ủy ban Thường vụ Quốc hội", "National Assembly Standing Committee"),
        Issuer("CP", "Chính phủ", "Government"),
        Issuer("TTg", "Thủ tướng Chính phủ", "Prime Minister"),
        Issuer("VPCP", "Văn phòng Chính phủ", "Government Office"),
        Issuer("TTCP", "Thanh tra Chính phủ", "Government Inspectorate"),
        Issuer("BNV", "Bộ Nội vụ", "Ministry of Home Affairs"),
        Issuer("BCA", "Bộ Công an", "Ministry of Public Security"),
        Issuer("BQP", "Bộ Quốc phòng", "Ministry of National Defence"),
        Issuer("BTC", "Bộ Tài chính", "Ministry of Finance"),
        Issuer("BTP", "Bộ Tư pháp", "Ministry of Justice"),
        Issuer("BNG", "Bộ Ngoại giao", "Ministry of Foreign Affairs"),
        Issuer("UBND", "Ủy ban nhân dân", "People's Committee"),
    )
}

# Bodies named after "của", spelled the way the product writes them; matched with
# tone marks and case folded, so "Tỉnh uỷ" (old tone placement) is "Tỉnh ủy".
BODIES = (
    "Ban Chấp hành Trung ương Đảng",
    "Ban Chấp hành Trung ương",
    "Bộ Chính trị",
    "Ban Bí thư",
    "Văn phòng Trung ương Đảng",
    "Ủy ban Kiểm tra Trung ương",
    "Ban Tổ chức Trung ương",
    "Ban Tuyên giáo Trung ương",
    "Ban Nội chính Trung ương",
    "Ban Dân vận Trung ương",
    "Tiểu ban Bảo vệ chính trị nội bộ Trung ương",
    "Đảng ủy Khối các cơ quan Trung ương",
    "Ban Thường vụ Tỉnh ủy",
    "Thường trực Tỉnh ủy",
    "Ban Chấp hành Đảng bộ Tỉnh",
    "Ban Tổ chức Tỉnh ủy",
    "Tỉnh ủy",
    "Ban Thường vụ Huyện ủy",
    "Thường trực Huyện ủy",
    "Ban Chấp hành Đảng bộ Huyện",
    "Huyện ủy",
    "Ủy ban Thường vụ Quốc hội",
    "Quốc hội",
    "Thủ tướng Chính phủ",
    "Chính phủ",
    "Thanh tra Chính phủ",
    "Bộ Nội vụ",
    "Bộ Công an",
    "Bộ Quốc phòng",
    "Bộ Tài chính",
    "Bộ Tư pháp",
)


class CitationError(Invalid):
    """A citation that could not be read; `part` names what failed (`empty`,
    `too_long`, `number`, `issuer`, `type`, `type_name`, `prefix`, `date`, `year`)."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__({"citation": [ValidationError(message, code=part)]})
        self.part = part


@dataclass(frozen=True)
class Citation:
    style: str
    number: str  # at least two digits, as both rules write it ("06", "126")
    type_code: str
    type_name: str
    issuer_code: str
    issuer_name: str  # the body named after "của", or ""
    year: int | None
    issued_on: dt.date | None
    title: str
    # State only: the number carries its year (30/2020/NĐ-CP, not 15/QĐ-BNV).
    year_in_number: bool = False

    @property
    def reference(self) -> str:
        """The document number as printed: 126-QĐ/TW, 30/2020/NĐ-CP, 15/QĐ-BNV."""
        if self.style == PARTY:
            return f"{self.number}-{self.type_code}/{self.issuer_code}"
        if self.year_in_number:
            return f"{self.number}/{self.year}/{self.type_code}-{self.issuer_code}"
        return f"{self.number}/{self.type_code}-{self.issuer_code}"

    @property
    def short_citation(self) -> str:
        return f"{self.type_name} {self.reference}"

    @property
    def citation(self) -> str:
        """The full citation, which this module reads back into the same parts."""
        text = f"{self.type_name} số {self.reference}"
        if self.issued_on is not None:
            text += f" ngày {citation_date(self.issued_on)}"
        if self.issuer_name:
            text += f" của {self.issuer_name}"
        if self.title:
            # A title that reads as a phrase follows "về"; one that starts with a
            # capital (a quoted name, "Một số vấn đề …") keeps its quotes.
            text += f" về {self.title}" if self.title[0].islower() else f" “{self.title}”"
        return text


def citation_date(day: dt.date) -> str:
    """A date as NĐ 30/2020/NĐ-CP (appendix I) writes it: a leading zero for days
    below 10 and for January and February only (05/3/2015, 28/02/2018, 18/8/2014).
    A legal form, the same in every language, not a date shown to a person."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


# --- Reading -------------------------------------------------------------------------

_LETTERS = "A-Za-zĐđ"
_PARTY_NUMBER = re.compile(
    rf"(?<![\w/-])(?P<n>\d{{1,6}}) ?- ?(?P<type>[{_LETTERS}]{{1,6}}) ?/ ?"
    rf"(?P<issuer>[{_LETTERS}][{_LETTERS}0-9]{{0,15}})(?![\w/])"
)
_STATE_NUMBER = re.compile(
    rf"(?<![\w/-])(?P<n>\d{{1,6}}) ?/ ?(?:(?P<year>\d{{4}}) ?/ ?)?(?P<type>[{_LETTERS}]{{1,6}}) ?- ?"
    rf"(?P<issuer>[{_LETTERS}][{_LETTERS}0-9]{{0,15}}(?:-[{_LETTERS}][{_LETTERS}0-9]{{0,15}})*)"
    rf"(?![\w/])"
)
# A number missing its issuer or its type ("126-QĐ", "30/2020"), for a precise refusal.
_HALF_NUMBER = re.compile(rf"\d{{1,6}} ?[-/] ?(?:\d{{4}} ?/ ?)?[{_LETTERS}]+")
_NUMBER_WORD = re.compile(r"(?:\s|^)(?:số|so|No\.?)\s*:?\s*$", re.IGNORECASE)
_DATE = re.compile(
    r"ngày\s*:?\s*(?:(?P<d>\d{1,2}) ?[/.-] ?(?P<m>\d{1,2}) ?[/.-] ?(?P<y>\d{4})"
    r"|(?P<d2>\d{1,2}) tháng (?P<m2>\d{1,2}) năm (?P<y2>\d{4}))(?!\d)",
    re.IGNORECASE,
)
_WORD = re.compile(r" ([^\s,;]+)")
_OF = re.compile(r"của\s+", re.IGNORECASE)
_TERM = re.compile(r"\s+kh[oó][aá]\s+([IVXLC]+)\b", re.IGNORECASE)
_QUOTES = "“”\"«»„‟'‘’"
_ABOUT = re.compile(r"^v[ềe]\s+", re.IGNORECASE)
_SEPARATORS = " ,;:"

# Look-alikes people paste: the Icelandic eth for Đ, dashes and slashes of other widths.
_LOOK_ALIKES = str.maketrans(
    {
        "Ð": "Đ",
        "ð": "đ",
        "Ɖ": "Đ",
        "ɖ": "đ",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
        "／": "/",
        "⁄": "/",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
        "\u00ad": None,
    }
)

EXAMPLE = "Quy định số 126-QĐ/TW ngày 28/02/2018"


def fold(text: str) -> str:
    """Lower case without tone marks, one character for one (đ → d), so that a
    position in the folded text is the same position in the text."""
    out = []
    for char in text.lower():
        base = unicodedata.normalize("NFD", char)[0]
        out.append("d" if base == "đ" else base)
    return "".join(out)


def normalise(text: str) -> str:
    """NFC, look-alike letters and dashes replaced, every run of spaces one space."""
    text = unicodedata.normalize("NFC", text).translate(_LOOK_ALIKES)
    # Line breaks and other control characters of a pasted paragraph are spaces.
    return " ".join(REFUSED.sub(" ", text).split())


def _type_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for doc_type in DOCUMENT_TYPES.values():
        for name in doc_type.names:
            names[fold(name)] = name
    return names


_TYPE_BY_FOLDED_NAME = _type_names()
_TYPE_BY_CODE = {code.lower(): code for code in DOCUMENT_TYPES}
_ISSUER_BY_CODE = {code.lower(): code for code in ISSUERS}
_BODIES = sorted(((fold(body), body) for body in BODIES), key=lambda pair: -len(pair[0]))


def parse_citation(text: str) -> Citation:
    """Read a pasted citation; CitationError names the part that could not be read."""
    if not isinstance(text, str) or not text.strip():
        raise CitationError("empty", _("Paste a citation, such as “%(example)s”.") % _example())
    if len(text) > MAX_CITATION:
        raise CitationError(
            "too_long",
            _("A citation has at most %(limit)s characters; paste one citation at a time.")
            % {"limit": MAX_CITATION},
        )
    text = normalise(text).rstrip(" .;,")
    match, style = _find_number(text)
    type_code = _type_code(match.group("type"), match.group(0))
    issuer_code = "-".join(_issuer_code(part) for part in match.group("issuer").split("-"))
    number = int(match.group("n"))
    if number == 0:
        raise CitationError(
            "number", _("The number of “%(number)s” must be 1 or more.") % {"number": match[0]}
        )
    type_name = _type_name(text[: match.start()], type_code)
    issued_on, issuer_name, title = _read_rest(text[match.end() :])
    year_in_number = style == STATE and match.group("year") is not None
    year = int(match.group("year")) if year_in_number else None
    if year is not None and issued_on is not None and issued_on.year != year:
        raise CitationError(
            "year",
            _("The number says %(year)s but the date is in %(date_year)s.")
            % {"year": year, "date_year": issued_on.year},
        )
    if year is None and issued_on is not None:
        year = issued_on.year
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise CitationError(
            "year",
            _("The year %(year)s is not one an instrument can carry (%(first)s to %(last)s).")
            % {"year": year, "first": MIN_YEAR, "last": MAX_YEAR},
        )
    return Citation(
        style=style,
        number=f"{number:02d}",
        type_code=type_code,
        type_name=type_name,
        issuer_code=issuer_code,
        issuer_name=issuer_name,
        year=year,
        issued_on=issued_on,
        title=title,
        year_in_number=year_in_number,
    )


# The Party was founded in 1930; a later year than this is a typing mistake.
MIN_YEAR = 1930
MAX_YEAR = 2100


def _example() -> dict[str, str]:
    return {"example": EXAMPLE}


def _find_number(text: str) -> tuple[re.Match[str], str]:
    found = [
        (match, style)
        for pattern, style in ((_PARTY_NUMBER, PARTY), (_STATE_NUMBER, STATE))
        if (match := pattern.search(text)) is not None
    ]
    if found:
        return min(found, key=lambda pair: pair[0].start())
    half = _HALF_NUMBER.search(text)
    if half is not None:
        raise CitationError(
            "issuer",
            _(
                "“%(number)s” is not a whole document number: it needs its type and "
                "issuer, such as 126-QĐ/TW (Party) or 30/2020/NĐ-CP (State)."
            )
            % {"number": half.group(0).strip()},
        )
    raise CitationError(
        "number",
        _(
            "No document number was found: expected one such as 126-QĐ/TW (Party), "
            "30/2020/NĐ-CP or 15/QĐ-BNV (State)."
        ),
    )


def _type_code(code: str, number: str) -> str:
    known = _TYPE_BY_CODE.get(code.lower())
    if known is None:
        raise CitationError(
            "type",
            _(
                "“%(code)s” in “%(number)s” is not a document type code this product knows (%(known)s)."
            )
            % {"code": code, "number": number, "known": ", ".join(DOCUMENT_TYPES)},
        )
    return known


def _issuer_code(code: str) -> str:
    known = _ISSUER_BY_CODE.get(code.lower())
    # An issuer not in the table (a province's department, a ministry's office) is
    # kept as written, in capitals: the table names issuers, it does not limit them.
    return known if known is not None else code.upper().replace("đ", "Đ")


def _type_name(before: str, type_code: str) -> str:
    """The type's name from the words before the number ("Quy định số"), checked
    against the code; the code's first name when there are none."""
    words = _NUMBER_WORD.sub("", before).strip(_SEPARATORS)
    names = DOCUMENT_TYPES[type_code].names
    if not words:
        return names[0]
    named = _TYPE_BY_FOLDED_NAME.get(fold(words))
    if named is None:
        raise CitationError(
            "prefix",
            _(
                "“%(words)s” before the number is not a document type: start with the type "
                "(such as Quy định or Nghị định) or with the number."
            )
            % {"words": words},
        )
    if named not in names:
        raise CitationError(
            "type_name",
            _("A “%(name)s” is not numbered %(code)s; the code %(code)s is for: %(names)s.")
            % {"name": named, "code": type_code, "names": ", ".join(names)},
        )
    return named


def _read_rest(rest: str) -> tuple[dt.date | None, str, str]:
    """The date, the body after "của" and the title, in the order citations use."""
    issued_on: dt.date | None = None
    body = ""
    while True:
        rest = rest.lstrip(_SEPARATORS)
        if issued_on is None and fold(rest).startswith("ngay"):
            issued_on, rest = _read_date(rest)
            continue
        if not body and (of := _OF.match(rest)):
            body, rest = _read_body(rest[of.end() :])
            continue
        break
    title = rest.strip(_SEPARATORS + _QUOTES + ".")
    title = _ABOUT.sub("", title).strip(_SEPARATORS + _QUOTES)
    return issued_on, body, title


def _read_date(rest: str) -> tuple[dt.date, str]:
    match = _DATE.match(rest)
    if match is None:
        raise CitationError(
            "date",
            _(
                "The date after “ngày” could not be read: write it as dd/mm/yyyy, such as 28/02/2018."
            ),
        )
    day, month, year = (
        (match["d"], match["m"], match["y"])
        if match["d"]
        else (match["d2"], match["m2"], match["y2"])
    )
    try:
        return dt.date(int(year), int(month), int(day)), rest[match.end() :]
    except ValueError:
        raise CitationError(
            "date",
            _("“%(date)s” is not a date: write it as dd/mm/yyyy, such as 28/02/2018.")
            % {"date": f"{day}/{month}/{year}"},
        ) from None


def _read_body(rest: str) -> tuple[str, str]:
    """The issuing body: a known one (with the words in capitals that follow it, a
    place's name), else the words up to a comma, a quote, "về" or "ngày"."""
    folded = fold(rest)
    for folded_body, body in _BODIES:
        if (
            folded.startswith(folded_body)
            and not folded[len(folded_body) : len(folded_body) + 1].isalnum()
        ):
            end = len(folded_body)
            # "Tỉnh ủy Đồng Tháp": a place's name belongs to the body.
            while (word := _WORD.match(rest, end)) is not None and word.group(1)[0].isupper():
                end = word.end()
            name = body + rest[len(folded_body) : end]
            if (term := _TERM.match(rest[end:])) is not None:
                name += f" khóa {term.group(1).upper()}"
                end += term.end()
            return name, rest[end:]
    stop = re.search(r",|;|[“\"«]| về | ngày ", rest)
    end = stop.start() if stop else len(rest)
    return rest[:end].strip(), rest[end:]
