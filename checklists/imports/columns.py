"""The columns of an import: their SPEC §5 names, their Vietnamese headers, how a
header given in a file is matched to them, and the empty template to download."""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import get_language
from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs
from openpyxl.styles import Font  # type: ignore[import-untyped]

_SEPARATORS = re.compile(r"[\s_\-]+")


# Cached: every cell of a choice column is compared with the same few labels,
# 20,000 times in a large file.
@functools.lru_cache(maxsize=4096)
def normalise_header(text: str) -> str:
    """A header as compared: without diacritics (đ counts as d), case or the
    difference between spaces, underscores and hyphens. “Mã đơn vị”, “MA DON VI”
    and “ma_don_vi” are one header."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


@dataclass(frozen=True)
class Column:
    """One column of an import. `key` is its SPEC §5 name (the English header and
    the name errors and values use); `vi` the Vietnamese header; `aliases` other
    headers people type."""

    key: str
    vi: str
    required: bool = True
    aliases: tuple[str, ...] = ()

    def headers(self) -> tuple[str, ...]:
        return (self.key, self.vi, *self.aliases)

    def matches(self, header: str) -> bool:
        wanted = normalise_header(header)
        return any(normalise_header(name) == wanted for name in self.headers())

    def title(self, language: str | None = None) -> str:
        """The header in a language: Vietnamese for "vi", the SPEC name otherwise."""
        language = language or get_language() or "vi"
        return self.vi if language.startswith("vi") else self.key


def template_workbook(columns: Sequence[Column], *, language: str | None = None) -> bytes:
    """An empty .xlsx with the header row in the person's language, frozen so it
    stays in view while rows are typed below it."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.append([column.title(language) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.title(language)) + 4)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
