"""Numbers as people write them, in their language (SPEC §3): the one place that
reads and writes a number for a person.

In Vietnamese `4.486` is four thousand four hundred eighty-six (the seed reports
write "4.486 đảng viên") and `1.234,5` has a decimal comma; in English `4,486` and
`1,234.5`. Babel knows each language's symbols and, in strict mode, refuses a
grouping that is not valid for the language (`4.5` in Vietnamese, `4,5` in English)
instead of guessing: a number is never stored as something other than what was meant.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

DEFAULT_LANGUAGE = "vi"


def babel_locale(language: str | None) -> str:
    """The Babel locale of a Django language code (`vi`, `en`, `en-us` → `en`)."""
    code = (language or translation.get_language() or DEFAULT_LANGUAGE).split("-")[0]
    return code if code in ("vi", "en") else DEFAULT_LANGUAGE


def _shape(locale: str) -> re.Pattern[str]:
    # Only digits, an optional sign and the language's two symbols: Babel itself
    # would also take "NaN", "Infinity", exponents and Python's "1_000".
    group, decimal = re.escape(get_group_symbol(locale)), re.escape(get_decimal_symbol(locale))
    return re.compile(rf"^[+-]?[0-9][0-9{group}]*({decimal}[0-9]+)?$")


def expected_form(language: str | None = None) -> str:
    """How a number is written in the language, for messages ("1.234,5")."""
    return format_decimal(Decimal("1234.5"), locale=babel_locale(language))


def parse_number(text: str, *, language: str | None = None) -> Decimal:
    """The number a person wrote, read in their language (the active one by default);
    a ValidationError naming the expected form otherwise."""
    locale = babel_locale(language)
    cleaned = text.strip()
    refusal = ValidationError(
        _(
            "Write it the way this language writes numbers, for example %(example)s "
            "(“%(group)s” between thousands, “%(decimal)s” before decimals)."
        )
        % {
            "example": expected_form(locale),
            "group": get_group_symbol(locale),
            "decimal": get_decimal_symbol(locale),
        },
        code="invalid_number",
    )
    if not _shape(locale).match(cleaned):
        raise refusal
    try:
        return parse_decimal(cleaned, locale=locale, strict=True)
    except NumberFormatError:
        raise refusal from None


def format_number(value: int | float | Decimal, *, language: str | None = None) -> str:
    """A number as the language writes it (`4.486` in Vietnamese, `4,486` in English)."""
    return format_decimal(value, locale=babel_locale(language), decimal_quantization=False)
