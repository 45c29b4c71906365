"""Django REST framework's and django-filter's own messages answer in the client's
language: their Vietnamese lives in locale_vendor/ (their packages ship little or
none), the project's own wording in locale/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rest_framework
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.core.cache import cache
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
VENDOR_CATALOGUE = ROOT / "locale_vendor" / "vi" / "LC_MESSAGES" / "django.po"
# The wheel ships DRF's catalogues compiled only: its English one lists every msgid.
DRF_ENGLISH = Path(rest_framework.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.mo"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def _vendor_translations() -> dict[str, str]:
    with open(VENDOR_CATALOGUE, "rb") as handle:
        catalog = read_po(handle, locale="vi")
    return {
        message.id: message.string
        for message in catalog
        if message.id and isinstance(message.id, str) and not message.fuzzy
    }


def test_it_translates_every_message_of_drf_into_vietnamese():
    with open(DRF_ENGLISH, "rb") as handle:
        english = {message.id for message in read_mo(handle) if message.id}
    assert len(english) > 100  # the catalogue was found and read
    translations = _vendor_translations()
    missing = sorted(msgid for msgid in english if not translations.get(msgid, "").strip())
    assert not missing, f"translate in {VENDOR_CATALOGUE.relative_to(ROOT)}: {missing[:10]}"


def test_it_keeps_the_placeholders_of_every_vendor_message():
    placeholder = re.compile(r"\{[^{}]*\}|%\(\w+\)[sd]|%[sd]")
    for msgid, msgstr in _vendor_translations().items():
        assert sorted(placeholder.findall(msgstr)) == sorted(placeholder.findall(msgid)), msgid


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def test_it_answers_a_request_without_credentials_in_the_language_asked(world, api_client):
    vi = _problem(api_client.get("/api/v1/visits/", HTTP_ACCEPT_LANGUAGE="vi"), 401)
    assert vi["detail"] == "Chưa cung cấp thông tin xác thực."
    en = _problem(api_client.get("/api/v1/visits/", HTTP_ACCEPT_LANGUAGE="en"), 401)
    assert en["detail"] == "Authentication credentials were not provided."


def test_it_answers_an_unknown_id_and_a_page_past_the_last_in_the_language_asked(world, client_for):
    client = client_for("lead")
    unknown = "/api/v1/visits/999999999/"
    assert _problem(client.get(unknown, HTTP_ACCEPT_LANGUAGE="vi"), 404)["detail"] == (
        "Không tìm thấy."
    )
    assert _problem(client.get(unknown, HTTP_ACCEPT_LANGUAGE="en"), 404)["detail"] == "Not found."

    past = "/api/v1/visits/?page=999"
    assert _problem(client.get(past, HTTP_ACCEPT_LANGUAGE="vi"), 404)["detail"] == (
        "Trang không hợp lệ."
    )
    assert _problem(client.get(past, HTTP_ACCEPT_LANGUAGE="en"), 404)["detail"] == "Invalid page."


def test_it_answers_a_too_long_field_in_the_language_asked(world, api_client):
    body = {"username": "x" * 151, "password": "secret"}
    vi = api_client.post("/api/v1/auth/token/", body, format="json", HTTP_ACCEPT_LANGUAGE="vi")
    assert _problem(vi, 400)["errors"]["username"] == ["Trường này không được dài quá 150 ký tự."]
    en = api_client.post("/api/v1/auth/token/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert _problem(en, 400)["errors"]["username"] == [
        "Ensure this field has no more than 150 characters."
    ]


def test_it_answers_a_missing_field_in_the_language_asked(world, api_client):
    body = {"username": "lead"}
    vi = api_client.post("/api/v1/auth/token/", body, format="json", HTTP_ACCEPT_LANGUAGE="vi")
    assert _problem(vi, 400)["errors"]["password"] == ["Trường này là bắt buộc."]
    en = api_client.post("/api/v1/auth/token/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert _problem(en, 400)["errors"]["password"] == ["This field is required."]


def test_it_answers_a_method_not_allowed_in_the_language_asked(world, client_for):
    client = client_for("lead")
    vi = _problem(client.put("/api/v1/visits/", {}, format="json", HTTP_ACCEPT_LANGUAGE="vi"), 405)
    assert vi["detail"] == 'Phương thức "PUT" không được phép.'
    en = _problem(client.put("/api/v1/visits/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"), 405)
    assert en["detail"] == 'Method "PUT" not allowed.'


def test_it_answers_a_throttled_request_in_the_language_asked(world, api_client, settings):
    settings.AXES_FAILURE_LIMIT = 100
    body = {"username": "lead", "password": "wrong"}
    for _ in range(10):  # the "auth" rate: 10 a minute
        api_client.post("/api/v1/auth/token/", body, format="json")
    vi = api_client.post("/api/v1/auth/token/", body, format="json", HTTP_ACCEPT_LANGUAGE="vi")
    detail = _problem(vi, 429)["detail"]
    assert detail.startswith("Yêu cầu bị từ chối vì gửi quá nhiều. Có thể thử lại sau ")
    assert detail.endswith(" giây.")
    en = api_client.post("/api/v1/auth/token/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert _problem(en, 429)["detail"].startswith("Request was throttled. Expected available in ")


def test_it_labels_django_filter_lookups_in_vietnamese():
    from django_filters.utils import verbose_lookup_expr

    with translation.override("vi"):
        assert verbose_lookup_expr("lte") == "nhỏ hơn hoặc bằng"
        assert verbose_lookup_expr("icontains") == "chứa"
    with translation.override("en"):
        assert verbose_lookup_expr("lte") == "is less than or equal to"
