"""The import endpoints (SPEC §5 "imports"): multipart field `file`, 201 with the
counts and ids, a 400 problem listing the rows, the templates, and who may."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from checklists.models import Invitation, Unit, User
from tests.factories import UserFactory
from tests.spreadsheets import upload, with_macros, xlsx

UNITS = "/api/v1/units/import/"
USERS = "/api/v1/users/import/"
UNIT_HEADER = ["code", "name", "kind", "parent"]
NOT_COORDINATORS = ["lead", "deputy", "member", "secretary", "host_in", "host_out"]


def post(client, url, content, **extra):
    return client.post(url, {"file": upload(content)}, format="multipart", **extra)


def test_a_coordinator_imports_units_and_gets_counts_and_ids(client_for, world):
    content = xlsx(
        [
            UNIT_HEADER,
            ["cam-pha", "Cẩm Phả", "district", "quang-ninh"],
            ["ha-long", "Hạ Long", "district", "quang-ninh"],
        ]
    )
    response = post(client_for("coordinator_in"), UNITS, content)
    assert response.status_code == 201, response.content
    created = Unit.objects.get(code="cam-pha")
    assert response.json() == {
        "created": 1,
        "updated": 1,
        "ids": [created.pk],
        "updated_ids": [world.district.pk],
    }


def test_bad_rows_answer_a_problem_with_every_row_and_column(client_for, world):
    content = xlsx(
        [UNIT_HEADER, ["ok", "Tốt", "district", "quang-ninh"], ["bad", "Sai", "village", "nowhere"]]
    )
    response = post(client_for("coordinator_in"), UNITS, content)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/validation-error")
    assert [(r["row"], r["column"]) for r in body["rows"]] == [(3, "kind"), (3, "parent")]
    assert body["errors"]["file"][0].startswith("Row 3, column “kind”:")
    assert not Unit.objects.filter(code="ok").exists()


def test_a_hostile_workbook_is_refused_as_the_file_field(client_for, world):
    response = post(client_for("coordinator_in"), UNITS, with_macros(xlsx([UNIT_HEADER])))
    assert response.status_code == 400
    assert "macros" in response.json()["errors"]["file"][0]


def test_too_many_rows_answer_413(client_for, world, settings):
    settings.IMPORT_MAX_ROWS = 2
    rows = [UNIT_HEADER, *([f"u-{i}", "U", "district", "quang-ninh"] for i in range(3))]
    response = post(client_for("coordinator_in"), UNITS, xlsx(rows))
    assert response.status_code == 413
    assert "2" in response.json()["detail"]


def test_a_request_without_a_file_says_which_field(client_for, world):
    response = client_for("coordinator_in").post(UNITS, {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_a_coordinator_imports_people(
    client_for, world, monkeypatch, django_capture_on_commit_callbacks
):
    invited: list[int] = []
    monkeypatch.setattr("checklists.services.invitations._enqueue_invitation", invited.append)
    content = xlsx(
        [
            ["Tên đăng nhập", "Họ và tên", "Thư điện tử", "Ngôn ngữ", "Đơn vị đầu mối"],
            ["pham.d", "Phạm D", "d@example.vn", "vi", "ha-long"],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_for("coordinator_in"), USERS, content)
    assert response.status_code == 201, response.content
    person = User.objects.get(username="pham.d")
    assert response.json()["ids"] == [person.pk]
    assert invited == [Invitation.objects.get(user=person).pk]


def test_out_of_scope_rows_are_row_errors(client_for, world):
    content = xlsx([UNIT_HEADER, ["hl-1", "HL", "grassroots", "ha-long"]])
    response = post(client_for("coordinator_out"), UNITS, content)
    assert response.status_code == 400
    assert [(r["row"], r["column"]) for r in response.json()["rows"]] == [(2, "parent")]


@pytest.mark.parametrize("url", [UNITS, USERS, f"{UNITS}template/", f"{USERS}template/"])
@pytest.mark.parametrize("role", NOT_COORDINATORS)
def test_people_who_are_no_coordinators_get_403_as_on_units_post(client_for, world, url, role):
    # They see units (their own, their visits'), so SPEC §4's "no" is a 403, as a
    # POST to units/ answers them.
    client = client_for(role)
    if url.endswith("template/"):
        response = client.get(url)
    else:
        response = post(client, url, xlsx([UNIT_HEADER, ["x", "X", "district", "ha-long"]]))
    assert response.status_code == 403
    assert (
        client.post("/api/v1/units/", {"code": "x", "name": "X", "kind": "district"}).status_code
        == 403
    )


@pytest.mark.parametrize("url", [UNITS, USERS, f"{UNITS}template/", f"{USERS}template/"])
def test_anonymous_gets_401(api_client, world, url):
    response = api_client.get(url) if url.endswith("template/") else api_client.post(url, {})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("language", "first", "last"),
    [("vi", "Mã đơn vị", "Ký hiệu văn bản"), ("en", "code", "document_symbol")],
)
def test_the_units_template_has_the_headers_in_the_persons_language(
    client_for, world, language, first, last
):
    response = client_for("coordinator_in").get(f"{UNITS}template/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="units-import.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == first and header[-1] == last and sheet.max_row == 1
    assert sheet.freeze_panes == "A2"


def test_a_template_imports_back_once_filled_in(client_for, world):
    client = client_for("coordinator_in")
    sheet_file = io.BytesIO(client.get(f"{USERS}template/", HTTP_ACCEPT_LANGUAGE="vi").content)
    workbook = load_workbook(sheet_file)
    workbook.active.append(["vu.e", "Vũ E", "e@example.vn", "vi", "ha-long", ""])
    out = io.BytesIO()
    workbook.save(out)
    response = post(client, USERS, out.getvalue())
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("url", [UNITS, USERS])
def test_a_stranger_signed_in_gets_403(api_client, world, url):
    api_client.force_authenticate(UserFactory(username="stranger"))
    assert post(api_client, url, xlsx([UNIT_HEADER])).status_code == 403
    assert api_client.get(f"{url}template/").status_code == 403


@pytest.mark.parametrize("role", ["coordinator_in", "coordinator_out", "coordinator_all"])
def test_every_coordinator_downloads_the_templates(client_for, world, role):
    for url in (UNITS, USERS):
        assert client_for(role).get(f"{url}template/").status_code == 200


def test_the_import_path_is_not_read_as_a_units_id(client_for, world):
    client = client_for("coordinator_in")
    assert client.get(UNITS).status_code == 405  # the import view, which only takes POST
    assert client.get(f"/api/v1/units/{world.district.pk}/").status_code == 200
