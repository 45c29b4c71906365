"""Path converters shared by the API's and the pages' URLs.

Here, in the project rather than in `api` or `web`, so that neither imports the
other for it; importing this module registers them.
"""

from __future__ import annotations

from django.urls import register_converter

# At most 18 digits: an id too long for a bigint answers 404 instead of
# overflowing in the database.
ID = r"[0-9]{1,18}"


class IdConverter:
    """Like `int`, but at most 18 digits, so an id never overflows a bigint column."""

    regex = ID

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
