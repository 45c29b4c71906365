"""programmes/{id}/import/ and its template (SPEC §5 "programmes", §13): a file
replaces a draft's entries, all rows or none, each error naming its row and the
column as the file calls it; who may is who may change the programme."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from checklists.models import Programme
from checklists.services.programmes import programme_approve
from tests.factories import UserFactory
from tests.spreadsheets import PROGRAMME_ENTRY_HEADER as HEADER
from tests.spreadsheets import PROGRAMME_ENTRY_HEADER_VI as VI_HEADER
from tests.spreadsheets import csv_bytes, upload, xlsx

pytestmark = pytest.mark.django_db

GOOD_ROWS = [
    ["ha-long", "lead_a", "", "", "member_a, member_b", "2025-04-07", "2025-04-11"],
    ["cam-pha", "lead_b", "deputy_a", "", "", "14/04/2025", "18/04/2025"],
]
OUTSIDERS = ("coordinator_out", "lead", "deputy", "member", "secretary", "host_in", "host_out")


def _url(plan, tail: str = "") -> str:
    return f"/api/v1/programmes/{plan.programme.pk}/import/{tail}"


def _post(client, plan, content: bytes, name: str = "entries.xlsx", **extra):
    return client.post(_url(plan), {"file": upload(content, name)}, format="multipart", **extra)


def _entries(plan) -> list[tuple[str, str, str]]:
    return [
        (e.host_unit.code, e.lead.username, e.window_start.isoformat())
        for e in plan.programme.entries.order_by("position").select_related("host_unit", "lead")
    ]


BEFORE = [("ha-long", "lead_a", "2025-03-03"), ("cam-pha", "lead_b", "2025-03-10")]


def test_a_good_file_replaces_the_entries_and_answers_the_programme(plan, client_for):
    response = _post(client_for("coordinator_in"), plan, xlsx([HEADER, *GOOD_ROWS]))
    assert response.status_code == 200, response.content
    programme = Programme.objects.get(pk=plan.programme.pk)
    assert response["ETag"] == f'"v{programme.row_version}"'
    assert programme.row_version == plan.programme.row_version + 1
    body = response.json()
    assert [e["window_start"] for e in body["entries"]] == ["2025-04-07", "2025-04-14"]
    assert body["entries"][0]["members"] == sorted(
        [plan.people.member_a.pk, plan.people.member_b.pk]
    )
    assert body["entries"][1]["deputy"] == plan.people.deputy_a.pk
    assert _entries(plan) == [
        ("ha-long", "lead_a", "2025-04-07"),
        ("cam-pha", "lead_b", "2025-04-14"),
    ]


def test_vietnamese_headers_and_a_csv_file_are_read_alike(plan, client_for):
    content = csv_bytes([VI_HEADER, GOOD_ROWS[1]], bom=True)
    response = _post(client_for("coordinator_in"), plan, content, "entries.csv")
    assert response.status_code == 200, response.content
    assert _entries(plan) == [("cam-pha", "lead_b", "2025-04-14")]


def test_a_bad_row_is_named_with_its_column_and_nothing_is_saved(plan, client_for):
    bad = ["cam-pha", "nobody", "", "", "", "14/04/2025", "not a date"]
    response = _post(client_for("coordinator_in"), plan, xlsx([VI_HEADER, GOOD_ROWS[0], bad]))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    rows = response.json()["rows"]
    assert [(r["row"], r["column"]) for r in rows] == [(3, "Trưởng đoàn"), (3, "Đến ngày")]
    assert "nobody" in rows[0]["message"]
    assert _entries(plan) == BEFORE


def test_a_host_unit_outside_the_scope_is_its_rows_error(plan, client_for):
    outside = ["vinh-phuc", "lead_b", "", "", "", "2025-04-14", "2025-04-18"]
    response = _post(client_for("coordinator_in"), plan, xlsx([HEADER, GOOD_ROWS[0], outside]))
    assert response.status_code == 400
    assert [(r["row"], r["column"]) for r in response.json()["rows"]] == [(3, "host_unit")]
    assert _entries(plan) == BEFORE


def test_a_person_with_two_roles_is_its_rows_error(plan, client_for):
    twice = ["cam-pha", "lead_b", "", "", "member_b, lead_b", "2025-04-14", "2025-04-18"]
    response = _post(client_for("coordinator_in"), plan, xlsx([HEADER, twice]))
    assert response.status_code == 400
    assert [(r["row"], r["column"]) for r in response.json()["rows"]] == [(2, "members")]


def test_what_only_the_programme_service_finds_is_told_as_row_and_column(
    plan, client_for, monkeypatch
):
    # The team's size is the programme service's rule, not the reader's: its
    # `entries.1.members` error comes back as row 3 and the file's own header.
    monkeypatch.setattr("checklists.services.programmes.MAX_TEAM", 2)
    big = ["ha-long", "lead_a", "", "", "member_a, member_b", "2025-04-14", "2025-04-18"]
    response = _post(client_for("coordinator_in"), plan, xlsx([VI_HEADER, GOOD_ROWS[1], big]))
    assert response.status_code == 400
    body = response.json()
    assert [(r["row"], r["column"]) for r in body["rows"]] == [(3, "Thành viên")]
    assert body["errors"]["file"][0].startswith("Row 3, column “Thành viên”:")
    assert _entries(plan) == BEFORE


def test_an_approved_programme_refuses_the_import(plan, client_for):
    programme_approve(actor=plan.world.people.coordinator_in, programme=plan.programme)
    response = _post(client_for("coordinator_in"), plan, xlsx([HEADER, *GOOD_ROWS]))
    assert response.status_code == 409
    assert _entries(plan) == BEFORE


def test_a_stale_if_match_is_refused(plan, client_for):
    response = _post(
        client_for("coordinator_in"),
        plan,
        xlsx([HEADER, *GOOD_ROWS]),
        HTTP_IF_MATCH=f'"v{plan.programme.row_version + 5}"',
    )
    assert response.status_code == 412
    assert _entries(plan) == BEFORE


@pytest.mark.parametrize("role", [*OUTSIDERS, "stranger"])
def test_anyone_but_a_coordinator_in_scope_is_told_it_does_not_exist(plan, client_for, role):
    if role == "stranger":
        client = APIClient()
        client.force_authenticate(UserFactory(username="stranger"))
    else:
        client = client_for(role)
    assert _post(client, plan, xlsx([HEADER, *GOOD_ROWS])).status_code == 404
    assert client.get(_url(plan, "template/")).status_code == 404
    assert _entries(plan) == BEFORE


def test_anonymous_is_asked_to_sign_in(plan, client_for):
    client = client_for("anonymous")
    assert _post(client, plan, xlsx([HEADER, *GOOD_ROWS])).status_code in (401, 403)
    assert client.get(_url(plan, "template/")).status_code in (401, 403)
    assert _entries(plan) == BEFORE


def test_a_coordinator_of_everything_imports(plan, client_for):
    response = _post(client_for("coordinator_all"), plan, xlsx([HEADER, GOOD_ROWS[1]]))
    assert response.status_code == 200, response.content


def test_the_template_has_the_headers_in_the_persons_language(plan, client_for):
    client = client_for("coordinator_in")
    response = client.get(_url(plan, "template/"), HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == VI_HEADER
    english = client.get(_url(plan, "template/"), HTTP_ACCEPT_LANGUAGE="en")
    assert [c.value for c in load_workbook(io.BytesIO(english.content)).active[1]] == HEADER
