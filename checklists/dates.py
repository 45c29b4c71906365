"""Days written in the active language's formats (backend/formats), remembered:
a page writes the same few days on hundreds of rows (the coverage tree, the
overview, the deadlines), and Django's dateformat parses the format and looks up
the translated month names for each one (make bench, issue 16)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from django.utils import dateformat, formats, translation


@lru_cache(maxsize=8192)
def _written(language: str | None, day: dt.date, format_string: str) -> str:
    # The language is part of the key: month and day names are translated.
    return dateformat.format(day, format_string)


def day_written(day: dt.date, format_name: str = "SHORT_DATE_FORMAT") -> str:
    """date_format(day, format_name) for a date (not a datetime: a moment's
    time zone and time would make the remembered values too many)."""
    return _written(translation.get_language(), day, str(formats.get_format(format_name)))


def day_in(format_string: str, day: dt.date) -> str:
    """dateformat.format(day, format_string), for a format already looked up once
    per page (the rows' labels)."""
    return _written(translation.get_language(), day, format_string)


def day_writer(format_name: str = "SHORT_DATE_FORMAT") -> Callable[[dt.date], str]:
    """day_written with this format, the language and the format looked up once:
    for a page that writes hundreds of days (the coverage tree)."""
    language, format_string = translation.get_language(), str(formats.get_format(format_name))
    return lambda day: _written(language, day, format_string)
