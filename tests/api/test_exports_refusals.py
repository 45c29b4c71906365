"""What an export refuses (over EXPORT_MAX_ROWS: 413 naming the limit, nothing
sent; a format it does not know; filters the list refuses), `format=json`, and
the headers in the person's language."""

from __future__ import annotations

import io

import pytest
from django.test import Client, override_settings
from openpyxl import load_workbook

from checklists.models import User
from tests.exports import XLSX_TYPE, export, sheet_rows

LISTS = [
    "/api/v1/visits/",
    "/api/v1/milestones/",
    "/api/v1/recommendations/",
    "/api/v1/units/coverage/",
]


@override_settings(EXPORT_MAX_ROWS=4)
def test_more_rows_than_the_limit_answer_413_naming_it(world, client_for):
    client = client_for("coordinator_all")
    url = f"/api/v1/visits/{world.visit.pk}/checklist/"
    response = export(client, url)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    assert "Content-Disposition" not in response
    assert response.data["limit"] == 4
    assert "at most 4 rows" in response.data["detail"]
    assert "EXPORT_MAX_ROWS" in response.data["detail"]
    # Filtered down to the limit, the same list exports.
    response = export(client, url, {"text": "I.1"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE


@override_settings(EXPORT_MAX_ROWS=1)
@pytest.mark.parametrize(
    "url", ["/api/v1/visits/", "/api/v1/milestones/", "/api/v1/units/coverage/"]
)
def test_every_list_keeps_to_the_limit(world, client_for, url):
    response = export(client_for("coordinator_all"), url)
    assert response.status_code == 413
    assert response.data["limit"] == 1


@override_settings(EXPORT_MAX_ROWS=2)
def test_exactly_the_limit_exports(world, client_for):
    _headers, rows = sheet_rows(export(client_for("coordinator_all"), "/api/v1/visits/"))
    assert len(rows) == 2


@pytest.mark.parametrize("url", LISTS)
def test_format_json_is_the_json_page_and_other_formats_are_refused(world, client_for, url):
    client = client_for("coordinator_all")
    page = client.get(url, {"format": "json", "page_size": 1})
    assert page.status_code == 200 and "results" in page.data
    for fmt in ("csv", "XLSX", "", "xlsx.exe"):
        response = client.get(url, {"format": fmt})
        assert response.status_code == 400, fmt
        assert "format" in response.data["errors"]


@pytest.mark.parametrize(
    "params",
    [{"status": "banana"}, {"ordering": "password"}, {"page_size": "x"}, {"within": "-1"}],
)
def test_filters_the_list_refuses_are_refused_by_the_export(world, client_for, params):
    client = client_for("coordinator_all")
    json_answer = client.get("/api/v1/visits/", params)
    response = export(client, "/api/v1/visits/", params)
    if "page_size" in params:
        # Paging means nothing to an export: it is ignored, not read.
        assert json_answer.status_code == 400
        assert response.status_code == 200
    else:
        assert json_answer.status_code == response.status_code == 400
        assert response.data["errors"].keys() == json_answer.data["errors"].keys()


def test_headers_and_words_are_in_the_persons_language(world):
    """Signed in by session, as a page's Export link is followed: a Vietnamese
    user's export speaks Vietnamese (headers, states), an English one's English."""
    User.objects.filter(pk=world.people.coordinator_all.pk).update(language="vi")
    client = Client()
    client.force_login(world.people.coordinator_all)
    headers, _rows = sheet_rows(client.get("/api/v1/visits/", {"format": "xlsx"}))
    assert headers[:3] == ["ID", "Mã", "Tiêu đề"]
    assert "Đơn vị được kiểm tra" in headers
    first = client.get("/api/v1/milestones/", {"format": "xlsx"})
    headers, _rows = sheet_rows(first)
    assert "Tình trạng" in headers and "Hạn" in headers

    User.objects.filter(pk=world.people.coordinator_all.pk).update(language="en")
    headers, _rows = sheet_rows(client.get("/api/v1/visits/", {"format": "xlsx"}))
    assert headers[:3] == ["ID", "Code", "Title"]


def test_vietnamese_dates_read_day_first(world):
    User.objects.filter(pk=world.people.coordinator_all.pk).update(language="vi")
    client = Client()
    client.force_login(world.people.coordinator_all)
    response = client.get("/api/v1/milestones/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    due = sheet.cell(2, header.index("Hạn") + 1)
    assert due.is_date and due.number_format == "dd/mm/yyyy"
