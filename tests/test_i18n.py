"""Two languages: every message of the code is in the Vietnamese catalogue, translated."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("api", "backend", "checklists", "worker", "web")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
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


def _template_messages() -> set[str]:
    """Messages of the templates, found the way `makemessages` finds them: Django
    turns a template into Python-like text with gettext calls (templatize)."""
    from django.utils.translation.template import templatize

    found = set()
    for directory in CODE_DIRS:
        for template in sorted((ROOT / directory).glob("templates/**/*")):
            if template.suffix not in {".html", ".txt"}:
                continue
            code = templatize(template.read_text(encoding="utf-8"), origin=str(template))
            # templatize keeps the template's indentation, which Python's tokenizer
            # (unlike xgettext) refuses; the messages sit inside one-line calls.
            code = "\n".join(line.lstrip() for line in code.splitlines())
            for _lineno, message, _comments, _context in extract(
                "python", io.BytesIO(code.encode()), keywords=KEYWORDS
            ):
                found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_it_finds_template_messages():
    assert "Sign in" in _template_messages()


def test_it_has_every_message_of_the_code_in_the_vietnamese_catalogue():
    catalog_ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _catalog("vi") if m.id}
    missing = sorted((_code_messages() | _template_messages()) - catalog_ids)
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


def test_it_tells_an_open_comment_from_an_open_checklist_item_in_vietnamese():
    from django.utils import translation

    from checklists.models import ChecklistItem
    from checklists.models.reports import ReviewComment

    with translation.override("vi"):
        assert str(ReviewComment.State.OPEN.label) == "Chưa xử lý"
        assert str(ChecklistItem.Status.OPEN.label) == "Chưa làm"


# --- one date format per language (SPEC §9) -------------------------------------------


def test_it_writes_dates_one_way_per_language():
    import datetime as dt

    from django.utils import translation
    from django.utils.formats import date_format

    day = dt.date(2024, 5, 13)
    with translation.override("vi"):
        assert date_format(day, "SHORT_DATE_FORMAT") == "13/05/2024"
        assert date_format(day, "DATE_FORMAT") == "Thứ 2, 13/05/2024"
    with translation.override("en"):
        assert date_format(day, "SHORT_DATE_FORMAT") == "13 May 2024"
        assert date_format(day, "DATE_FORMAT") == "Monday 13 May 2024"


def test_it_writes_no_date_format_of_its_own_in_the_templates():
    """Every date in a page goes through the language's named formats
    (backend/formats), never a pattern of its own."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    own = re.compile(r"\|date:[\"'](?![A-Z_]+_FORMAT[\"']|c[\"']|Y-m-d[\"']|Ymd[\"'])")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("web/templates", "checklists/templates", "api/templates")
        for path in (root / folder).rglob("*.*")
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if own.search(line)
    ]
    assert not offenders, offenders


def test_it_tells_the_days_in_a_reminder_as_the_page_does():
    """The reminder's words count days as the pages do (no "ngày Ngày", no 7 vs 8)."""
    import datetime as dt
    from types import SimpleNamespace

    from django.utils import translation

    from checklists.services.reminder_wording import reminder_text

    milestone = SimpleNamespace(
        title="Đơn vị nộp dự thảo báo cáo",
        title_en="Draft report due",
        due_date=dt.date(2024, 5, 20),
        visit=type("V", (), {"__str__": lambda self: "KT-HL"})(),
    )
    with translation.override("vi"):
        _title, body = reminder_text(milestone, "+7d", today=dt.date(2024, 5, 28))
    assert "8" in body and "20/05/2024" in body and "ngày Ngày" not in body
