"""The documents' endpoints (SPEC §5): the draft paths, POST documents/, the list and
its filters, the object's fields, the file with its SHA-256 as ETag, and the
conclusion's `document`; refusals as problems (404 for what one may not see)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from checklists.models import Document
from checklists.services.programmes import programme_approve
from tests.document_world import issue_conclusion
from tests.documents_docx import open_docx, texts

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIELDS = {
    "id", "kind", "visit", "programme", "state", "number", "issued_on", "format", "size",
    "sha256", "url",
}  # fmt: skip


def _doc_url(visit, kind: str) -> str:
    return f"/api/v1/visits/{visit.pk}/documents/{kind}.docx"


def test_it_downloads_a_draft_conclusion_marked_as_one(papers, client_for):
    response = client_for("lead").get(_doc_url(papers.visit, "conclusion"))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith('attachment; filename="du-thao-conclusion')
    assert "ETag" not in response
    assert "DỰ THẢO" in texts(open_docx(response.content))


@pytest.mark.parametrize(
    ("role", "status"), [("host_in", 404), ("host_out", 404), ("stranger", 404), ("member", 403)]
)
def test_it_refuses_the_draft_conclusion(papers, client_for, role, status):
    response = client_for(role).get(_doc_url(papers.visit, "conclusion"))
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")


def test_an_unknown_kind_or_visit_is_a_clear_4xx(papers, client_for):
    assert client_for("lead").get(_doc_url(papers.visit, "minutes")).status_code == 400
    assert (
        client_for("lead").get("/api/v1/visits/999999/documents/conclusion.docx").status_code == 404
    )


def test_it_issues_a_followup_and_lists_it_with_its_fields(papers, client_for):
    issue_conclusion(papers.visit)
    client = client_for("deputy")
    response = client.post(
        "/api/v1/documents/",
        {"kind": "followup", "visit": papers.visit.pk, "issued_on": "2025-03-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= FIELDS
    assert (body["kind"], body["number"], body["state"], body["format"]) == (
        "followup",
        1,
        "issued",
        "docx",
    )
    assert body["url"].endswith(f"/api/v1/documents/{body['id']}/file/")
    listed = client.get("/api/v1/documents/", {"visit": papers.visit.pk, "kind": "followup"})
    assert [row["id"] for row in listed.json()["results"]] == [body["id"]]
    assert client.get(f"/api/v1/documents/{body['id']}/").json()["sha256"] == body["sha256"]
    # Again: already issued.
    again = client.post(
        "/api/v1/documents/", {"kind": "followup", "visit": papers.visit.pk}, format="json"
    )
    assert again.status_code == 409


def test_the_file_is_the_same_bytes_every_time_with_its_hash_as_etag(papers, client_for):
    issue_conclusion(papers.visit)
    document = Document.objects.get()
    url = f"/api/v1/documents/{document.pk}/file/"
    first = client_for("host_in").get(url)
    second = client_for("coordinator_in").get(url)
    via_path = client_for("lead").get(_doc_url(papers.visit, "conclusion"))
    assert first.status_code == second.status_code == via_path.status_code == 200
    assert first.content == second.content == via_path.content
    assert first["ETag"] == f'"{document.sha256}"' == via_path["ETag"]
    assert hashlib.sha256(first.content).hexdigest() == document.sha256
    assert "DỰ THẢO" not in texts(open_docx(first.content))
    not_modified = client_for("host_in").get(url, HTTP_IF_NONE_MATCH=f'"{document.sha256}"')
    assert not_modified.status_code == 304


def test_the_conclusion_carries_its_issued_copy(papers, client_for):
    client = client_for("lead")
    url = f"/api/v1/visits/{papers.visit.pk}/conclusion/"
    assert client.get(url).json()["document"] is None
    issue_conclusion(papers.visit)
    document = client.get(url).json()["document"]
    assert document["id"] == Document.objects.get().pk and document["kind"] == "conclusion"
    assert set(document) >= FIELDS


@pytest.mark.parametrize("role", ["host_out", "coordinator_out", "stranger"])
def test_strangers_to_the_visit_see_no_copy(papers, client_for, role):
    issue_conclusion(papers.visit)
    document = Document.objects.get()
    client = client_for(role)
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert client.get(f"/api/v1/documents/{document.pk}/file/").status_code == 404
    assert client.get("/api/v1/documents/").json()["results"] == []


def test_host_contacts_see_the_conclusion_copy_but_not_the_followup(papers, client_for):
    issue_conclusion(papers.visit)
    client_for("lead").post(
        "/api/v1/documents/", {"kind": "followup", "visit": papers.visit.pk}, format="json"
    )
    followup = Document.objects.get(kind="followup")
    client = client_for("host_in")
    kinds = [row["kind"] for row in client.get("/api/v1/documents/").json()["results"]]
    assert kinds == ["conclusion"]
    assert client.get(f"/api/v1/documents/{followup.pk}/file/").status_code == 404
    assert client.get(_doc_url(papers.visit, "followup")).status_code == 404
    denied = client.post(
        "/api/v1/documents/", {"kind": "followup", "visit": papers.visit.pk}, format="json"
    )
    assert denied.status_code == 404


def test_the_checklist_record_leaves_internal_notes_to_the_team(papers, client_for):
    papers.item.internal_note = "Riêng Đoàn: chưa xác minh"
    papers.item.save(update_fields=["internal_note"])
    team = client_for("member").get(_doc_url(papers.visit, "checklist"))
    host = client_for("host_in").get(_doc_url(papers.visit, "checklist"))
    assert team.status_code == host.status_code == 200
    assert "Riêng Đoàn: chưa xác minh" in texts(open_docx(team.content))
    assert "Riêng Đoàn: chưa xác minh" not in texts(open_docx(host.content))


def test_it_issues_the_programme_document(plan, client_for):
    url = f"/api/v1/programmes/{plan.programme.pk}/documents/programme.docx"
    assert client_for("coordinator_in").get(url).status_code == 200
    assert client_for("coordinator_out").get(url).status_code == 404
    post = {"kind": "programme", "programme": plan.programme.pk}
    assert (
        client_for("coordinator_in").post("/api/v1/documents/", post, format="json").status_code
        == 409
    )
    programme_approve(actor=None, programme=plan.programme)
    assert (
        client_for("coordinator_out").post("/api/v1/documents/", post, format="json").status_code
        == 404
    )
    created = client_for("coordinator_in").post(
        "/api/v1/documents/", {**post, "issued_on": dt.date(2025, 1, 6).isoformat()}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["programme"] == plan.programme.pk
    frozen = client_for("coordinator_in").get(url)
    assert frozen["ETag"] == f'"{created.json()["sha256"]}"'


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "followup"},
        {"kind": "checklist", "visit": 1},
        {"kind": "followup", "visit": 1, "programme": 1},
        {"kind": "followup", "visit": "x"},
        {"kind": "followup", "visit": 10**30},
    ],
)
def test_bad_input_to_post_is_a_400_naming_the_field(papers, client_for, body):
    response = client_for("coordinator_in").post("/api/v1/documents/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_the_list_filters_answer_400_for_a_bad_id(papers, client_for):
    response = client_for("coordinator_in").get("/api/v1/documents/", {"visit": "abc"})
    assert response.status_code == 400


def test_the_issuer_place_set_through_the_api_is_the_place_printed(papers, client_for):
    response = client_for("coordinator_all").patch(
        f"/api/v1/units/{papers.province_in.pk}/", {"document_place": "Hạ Long"}, format="json"
    )
    assert response.status_code == 200 and response.json()["document_place"] == "Hạ Long"
    issue_conclusion(papers.visit)
    copy = client_for("lead").get(_doc_url(papers.visit, "conclusion"))
    assert "Hạ Long, ngày 05 tháng 02 năm 2025" in texts(open_docx(copy.content))


def test_the_list_costs_the_same_queries_for_one_document_or_many(
    papers, client_for, django_assert_max_num_queries
):
    from tests.conclusion_world import draft, to_reporting

    issue_conclusion(papers.visit)
    client = client_for("coordinator_all")
    with django_assert_max_num_queries(8) as one:
        assert len(client.get("/api/v1/documents/").json()["results"]) == 1
    other = papers.other_visit
    to_reporting(other)
    draft(other)
    issue_conclusion(other, issued_on=dt.date(2025, 2, 6))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/v1/documents/").json()["results"]) == 2


def test_the_detail_warns_of_a_replaced_instrument_it_cites(papers, client_for):
    from checklists.services.legal_instruments import legal_instrument_add

    old, _ = legal_instrument_add(actor=None, citation="Quy định số 126-QĐ/TW ngày 28/02/2018")
    new, _ = legal_instrument_add(actor=None, citation="Quy định số 131-QĐ/TW ngày 28/10/2023")
    papers.visit.decision_instrument = old
    papers.visit.save(update_fields=["decision_instrument"])
    issue_conclusion(papers.visit)
    document = Document.objects.get()
    client = client_for("lead")
    assert client.get(f"/api/v1/documents/{document.pk}/").json()["warnings"] == []
    old.status, old.replaced_by = "replaced", new
    old.save()
    warnings = client.get(f"/api/v1/documents/{document.pk}/").json()["warnings"]
    assert len(warnings) == 1 and "131-QĐ/TW" in warnings[0]
    assert "warnings" not in client.get("/api/v1/documents/").json()["results"][0]
