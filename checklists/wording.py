"""Which of a record's two wordings to show: outlines, milestones and items carry
Vietnamese text and, optionally, an English one."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation


def localised(text: str, text_en: str) -> str:
    """The English wording when English is active and there is one, else the
    Vietnamese (the text every record has)."""
    return text_en if text_en and (translation.get_language() or "").startswith("en") else text


def localiser() -> Callable[[str, str], str]:
    """localised with the active language looked up once (a page of many rows)."""
    if (translation.get_language() or "").startswith("en"):
        return lambda text, text_en: text_en or text
    return lambda text, text_en: text
