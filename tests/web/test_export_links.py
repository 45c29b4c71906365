"""The "Export" links of the list pages (web.views.exports): present, carrying the
page's filters and order as the API's parameters, and, followed with the page's
session, answering a spreadsheet of the rows the page lists."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from checklists.models import Visit
from tests.coverage_world import grow_inspected_units
from tests.exports import sheet_rows

LINK = re.compile(r'<a href="([^"]+)"[^>]*class="[^"]*export-link')


def export_link(response) -> tuple[str, dict[str, list[str]]]:
    assert response.status_code == 200
    found = LINK.findall(response.content.decode())
    assert len(found) == 1, found
    url = html.unescape(found[0])
    parts = urlsplit(url)
    return url, parse_qs(parts.query, keep_blank_values=True)


@pytest.fixture
def grown(world):
    grow_inspected_units(world, 4)
    return world


def test_the_overview_links_its_export_with_its_filters(grown, web_client_for):
    client = web_client_for("coordinator_in")
    query = {
        "q": "Kiểm tra",
        "status": "running",
        "unit": grown.district.pk,
        "session_from": "2024-05-01",
        "session_to": "2024-07-31",
        "sort": "code",
    }
    page = client.get("/visits/", query)
    url, params = export_link(page)
    assert urlsplit(url).path == "/api/v1/visits/"
    assert params["format"] == ["xlsx"]
    assert params["q"] == ["Kiểm tra"]
    assert set(params["status"]) == set(Visit.Status.values) - set(Visit.FINISHED_STATUSES)
    assert params["within"] == [str(grown.district.pk)]
    assert params["session_after"] == ["2024-05-01"]
    assert params["session_before"] == ["2024-07-31"]
    assert params["ordering"] == ["code,-id"]
    # The file holds the page's rows (one page of them here), in its order.
    _headers, rows = sheet_rows(client.get(url))
    codes = [row["Code"] for row in rows]
    assert codes == sorted(codes, key=lambda c: c or "")
    assert {row["ID"] for row in rows} == {
        int(pk) for pk in re.findall(r'href="/visits/(\d+)/"', page.content.decode())
    }


def test_the_overviews_overdue_filter_travels_too(grown, web_client_for):
    client = web_client_for("coordinator_all")
    page = client.get("/visits/", {"overdue": "on"})
    url, params = export_link(page)
    assert params["overdue"] == ["true"]
    _headers, rows = sheet_rows(client.get(url))
    listed = {int(pk) for pk in re.findall(r'href="/visits/(\d+)/"', page.content.decode())}
    assert listed and {row["ID"] for row in rows} == listed


def test_a_refused_filter_is_left_out_of_the_link(world, web_client_for):
    page = web_client_for("coordinator_all").get("/visits/", {"session_from": "banana"})
    _url, params = export_link(page)
    assert "session_after" not in params


def test_the_recommendations_page_links_its_export_with_its_filters(grown, web_client_for):
    client = web_client_for("coordinator_all")
    page = client.get(
        "/recommendations/",
        {"state": "pending", "overdue": "on", "unit": grown.district.pk, "q": "Khắc"},
    )
    url, params = export_link(page)
    assert urlsplit(url).path == "/api/v1/recommendations/"
    assert params["state"] == ["open", "reported"]
    assert params["overdue"] == ["true"]
    assert params["within"] == [str(grown.district.pk)]
    assert params["q"] == ["Khắc"]
    assert params["ordering"] == ["addressee__path,due_date,id"]
    _headers, rows = sheet_rows(client.get(url))
    listed = [
        int(pk) for pk in re.findall(r'href="/recommendations/(\d+)/"', page.content.decode())
    ]
    assert listed and [row["ID"] for row in rows] == list(dict.fromkeys(listed))


def test_the_coverage_page_links_its_export(grown, web_client_for):
    client = web_client_for("coordinator_in")
    page = client.get("/coverage/", {"within": grown.district.pk, "years": 3})
    url, params = export_link(page)
    assert urlsplit(url).path == "/api/v1/units/coverage/"
    assert params == {"within": [str(grown.district.pk)], "years": ["3"], "format": ["xlsx"]}
    _headers, rows = sheet_rows(client.get(url))
    assert rows[0]["Unit ID"] == grown.district.pk
    assert len(rows) == 5


def test_the_visit_page_links_its_checklist_export(world, web_client_for):
    for role, notes in (("lead", True), ("host_in", False)):
        client = web_client_for(role)
        url, params = export_link(client.get(f"/visits/{world.visit.pk}/"))
        assert urlsplit(url).path == f"/api/v1/visits/{world.visit.pk}/checklist/"
        assert params == {"format": ["xlsx"]}
        headers, rows = sheet_rows(client.get(url))
        assert len(rows) == world.visit.checklist.count()
        assert ("Internal note" in headers) is notes


def test_the_export_of_a_page_is_the_persons_own(world, web_client_for):
    """The link is the same for everyone; what it answers is the person's."""
    outsider = web_client_for("host_out")
    assert (
        outsider.get(f"/api/v1/visits/{world.visit.pk}/checklist/?format=xlsx").status_code == 404
    )
    _headers, rows = sheet_rows(outsider.get("/api/v1/visits/?format=xlsx"))
    assert [row["ID"] for row in rows] == [world.other_visit.pk]


def test_the_overview_without_filters_links_every_visit(world, web_client_for):
    _url, params = export_link(web_client_for("coordinator_all").get("/visits/"))
    assert params == {"format": ["xlsx"]}
