"""Two languages: every message of the code is in the Vietnamese catalogue, translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("api", "backend", "checklists", "worker")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
}


def _catalog(language: str):
    with open(ROOT / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle, locale=language)


def _code_messages() -> set[str]:
    found = set()
    for directory in CODE_DIRS:
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / directory,
            method_map=[("**/migrations/**", "ignore"), ("**.py", "python")],
            keywords=KEYWORDS,
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_it_has_every_message_of_the_code_in_the_vietnamese_catalogue():
    catalog_ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _catalog("vi") if m.id}
    missing = sorted(_code_messages() - catalog_ids)
    assert not missing, f"run `make messages` and translate: {missing[:10]}"


def test_it_translates_every_message_into_vietnamese():
    untranslated = [
        m.id for m in _catalog("vi") if m.id and (not m.string or not all(m.string) or m.fuzzy)
    ]
    assert not untranslated, untranslated[:10]


@pytest.mark.django_db
def test_it_answers_the_api_in_vietnamese_by_default_and_in_english_on_request(client, settings):
    settings.LANGUAGE_CODE = "vi"
    assert client.get("/api/v1/visits/").json()["title"] == "Cần đăng nhập."
    english = client.get("/api/v1/visits/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["title"] == "Authentication is required."
