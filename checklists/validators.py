"""One-line text: the rule for titles, names and codes, and its sanitiser.

A title, a name or a code is shown on one line and travels in one-line places: an
e-mail's Subject header, an iCalendar SUMMARY, a spreadsheet cell, a log line. A
line break there is at best a broken layout and at worst a header injection
("Evil\\r\\nBcc: …" as a Subject). So every one-line field refuses control
characters at the door (`one_line`, a model field validator: every service's
`full_clean`, every ModelSerializer, ModelForm and admin form runs it), and
whatever reaches a header is flattened again on the way out (`single_line`), for
rows written before the rule or straight into the database.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Every character of Unicode's category Cc (C0, DEL and C1: CR, LF, TAB, NEL…; the
# category is closed, these 65 are all), and the line and paragraph separators,
# which are not control characters (Zl, Zp) but break lines all the same.
REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_REFUSED_RUN = re.compile(REFUSED.pattern + "+")


def control_characters(value: str) -> list[str]:
    """The refused characters in `value`, each once, in order of appearance."""
    found: list[str] = []
    for char in REFUSED.findall(value):
        if char not in found:
            found.append(char)
    return found


def describe(char: str) -> str:
    """A refused character as a person can read it: U+000A (LINE FEED)."""
    names = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN"}
    name = names.get(char) or unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


@deconstructible
class OneLineValidator:
    """Refuses text holding a line break, a tab or another control character."""

    message = _(
        "Write this on one line: remove the line breaks, tabs and other control "
        "characters (found: %(found)s)."
    )
    code = "one_line"

    def __call__(self, value: object) -> None:
        if not isinstance(value, str):
            return
        found = control_characters(value)
        if found:
            raise ValidationError(
                self.message,
                code=self.code,
                params={"found": ", ".join(describe(c) for c in found)},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OneLineValidator)

    def __hash__(self) -> int:
        return hash(type(self))


one_line = OneLineValidator()


def single_line(text: str) -> str:
    """`text` made safe for a one-line place whatever it holds: every run of control
    characters and line separators becomes one space, and the ends are trimmed."""
    return _REFUSED_RUN.sub(" ", text).strip()
