"""Which of a record's two wordings to show: outlines, milestones and items carry
Vietnamese text and, optionally, an English one."""

from __future__ import annotations

from django.utils import translation


def localised(text: str, text_en: str) -> str:
    """The English wording when English is active and there is one, else the
    Vietnamese (the text every record has)."""
    return text_en if text_en and (translation.get_language() or "").startswith("en") else text
