"""A unit's own document templates (SPEC §5 `document-templates/`, §12): an upload
checked against sample data and refused naming the placeholder and the reason;
nothing stored for a refused file; the unit's documents then drawn from it, issued
copies frozen; deletion back to the built-in template; who may (404 for what one
may not see, 403 for what one may not do); the example templates."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from checklists.documents.sources import visit_issuer
from checklists.limits import MAX_DOCUMENT_TEMPLATE_BYTES
from checklists.models import AuditEvent, DocumentTemplate
from tests.document_world import issue_conclusion
from tests.documents_docx import open_docx, texts
from tests.template_files import (
    ENCRYPTED,
    GOOD_LINES,
    MARKER,
    NOT_A_ZIP,
    docm,
    template_docx,
)

URL = "/api/v1/document-templates/"


def upload(client: APIClient, issuer, data: bytes, *, kind="conclusion", name="mau.docx"):
    return client.post(
        URL,
        {"issuer": issuer.pk, "kind": kind, "file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


def _draft(client: APIClient, visit) -> str:
    response = client.get(f"/api/v1/visits/{visit.pk}/documents/conclusion.docx")
    assert response.status_code == 200, response.content
    return "\n".join(texts(open_docx(response.content)))


def test_a_good_template_is_used_for_the_issuers_documents_until_deleted(papers, client_for):
    issuer = visit_issuer(papers.visit)
    coordinator = client_for("coordinator_in")
    response = upload(coordinator, issuer, template_docx(*GOOD_LINES))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["issuer"], body["kind"], body["original_name"]) == (
        issuer.pk,
        "conclusion",
        "mau.docx",
    )
    assert AuditEvent.objects.filter(action="upload", object_type="documenttemplate").exists()

    lead = client_for("lead")
    draft = _draft(lead, papers.visit)
    assert MARKER in draft and "DỰ THẢO" in draft
    assert "KN-01: Kiện toàn tổ chức" in draft

    # Issued from it, then frozen: deleting the template changes no stored byte.
    conclusion = issue_conclusion(papers.visit)
    copy = conclusion.documents.get(kind="conclusion")
    issued = copy.file.read()
    assert MARKER in "\n".join(texts(open_docx(issued)))

    response = coordinator.delete(f"{URL}{body['id']}/")
    assert response.status_code == 204
    assert not DocumentTemplate.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="documenttemplate").exists()
    copy.refresh_from_db()
    assert copy.file.open("rb").read() == issued


def test_after_deletion_drafts_return_to_the_built_in_template(papers, client_for):
    issuer = visit_issuer(papers.visit)
    coordinator = client_for("coordinator_in")
    created = upload(coordinator, issuer, template_docx(*GOOD_LINES)).json()
    assert MARKER in _draft(client_for("lead"), papers.visit)
    coordinator.delete(f"{URL}{created['id']}/")
    draft = _draft(client_for("lead"), papers.visit)
    assert MARKER not in draft and "KẾT LUẬN" in draft


def test_uploading_again_replaces_the_template(papers, client_for):
    issuer = visit_issuer(papers.visit)
    coordinator = client_for("coordinator_in")
    first = upload(coordinator, issuer, template_docx(*GOOD_LINES)).json()
    second = upload(coordinator, issuer, template_docx("THAY THẾ", "{{ issuer_name }}"))
    assert second.status_code == 201
    assert list(DocumentTemplate.objects.values_list("pk", flat=True)) == [second.json()["id"]]
    assert coordinator.get(f"{URL}{first['id']}/").status_code == 404
    assert "THAY THẾ" in _draft(client_for("lead"), papers.visit)
    # Another kind is another template.
    followup = upload(coordinator, issuer, template_docx("{{ summary }}"), kind="followup")
    assert followup.status_code == 201


REFUSED = {
    "unknown placeholder": (template_docx("Ký: {{ nguoi_ky }}"), "“{{ nguoi_ky }}”"),
    "unknown row field": (
        template_docx("{%p for row in rows %}", "{{ row.so_tien }}", "{%p endfor %}"),
        "so_tien",
    ),
    "bad syntax": (template_docx("Số {{ x "), "syntax error"),
    "unclosed block": (template_docx("{%p if draft %}", "DỰ THẢO"), "endif"),
    "sandbox": (template_docx("{{ ''.__class__.__mro__ }}"), "__class__"),
    "only with rows": (template_docx("{{ rows[0].code }}"), "no element 0"),
    "macro-enabled": (docm(template_docx("{{ issuer_name }}")), "macros"),
    "encrypted": (ENCRYPTED, "password"),
    "not a zip": (NOT_A_ZIP, "not a supported document"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_bad_template_is_refused_with_the_reason_and_nothing_is_stored(papers, client_for, case):
    data, reason = REFUSED[case]
    response = upload(client_for("coordinator_in"), visit_issuer(papers.visit), data)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert reason in response.content.decode()
    assert not DocumentTemplate.objects.exists()
    assert not AuditEvent.objects.filter(object_type="documenttemplate").exists()


def test_a_template_over_the_size_limit_is_refused(papers, client_for):
    data = b"PK\x03\x04" + b"\0" * MAX_DOCUMENT_TEMPLATE_BYTES
    response = upload(client_for("coordinator_in"), visit_issuer(papers.visit), data)
    assert response.status_code == 413
    assert "MB" in response.json()["detail"]
    assert not DocumentTemplate.objects.exists()


def test_a_missing_file_or_kind_is_a_clear_400(papers, client_for):
    client = client_for("coordinator_in")
    issuer = visit_issuer(papers.visit)
    response = client.post(URL, {"issuer": issuer.pk, "kind": "conclusion"}, format="multipart")
    assert response.status_code == 400
    response = upload(client, issuer, template_docx("{{ summary }}"), kind="minutes")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [("lead", 403), ("host_in", 403), ("stranger", 403), ("coordinator_out", 403)],
)
def test_only_a_coordinator_of_the_issuer_uploads(papers, client_for, role, status):
    response = upload(client_for(role), visit_issuer(papers.visit), template_docx(*GOOD_LINES))
    assert response.status_code == status
    assert not DocumentTemplate.objects.exists()


@pytest.mark.parametrize("role", ["coordinator_out", "lead", "host_in", "stranger"])
def test_a_template_outside_ones_scope_does_not_exist(papers, client_for, role):
    created = upload(
        client_for("coordinator_in"), visit_issuer(papers.visit), template_docx(*GOOD_LINES)
    )
    pk = created.json()["id"]
    client = client_for(role)
    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}{pk}/").status_code == 404
    assert client.get(f"{URL}{pk}/file/").status_code == 404
    assert client.delete(f"{URL}{pk}/").status_code == 404
    assert DocumentTemplate.objects.filter(pk=pk).exists()


def test_the_list_filters_and_the_file_downloads(papers, client_for):
    issuer = visit_issuer(papers.visit)
    client = client_for("coordinator_all")
    data = template_docx(*GOOD_LINES)
    pk = upload(client, issuer, data).json()["id"]
    upload(client, issuer, template_docx("{{ summary }}"), kind="programme")
    assert len(client.get(URL).json()["results"]) == 2
    only = client.get(URL, {"kind": "programme", "issuer": issuer.pk}).json()["results"]
    assert [t["kind"] for t in only] == ["programme"]
    response = client.get(f"{URL}{pk}/file/")
    assert response.status_code == 200
    assert response.content == data
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("style", ["party", "state"])
@pytest.mark.parametrize("kind", ["conclusion", "programme", "followup", "checklist"])
def test_the_example_template_has_the_placeholders_and_is_accepted_back(
    papers, client_for, kind, style
):
    client = client_for("coordinator_in")
    response = client.get(f"{URL}example/{kind}.docx", {"style": style})
    assert response.status_code == 200
    assert "{{ issuer_name }}" in texts(open_docx(response.content))
    issuer = visit_issuer(papers.visit)
    assert upload(client, issuer, response.content, kind=kind).status_code == 201


def test_the_example_is_for_coordinators_and_names_a_known_style(papers, client_for):
    assert client_for("lead").get(f"{URL}example/conclusion.docx").status_code == 403
    client = client_for("coordinator_in")
    assert client.get(f"{URL}example/conclusion.docx", {"style": "royal"}).status_code == 400
    assert client.get(f"{URL}example/minutes.docx").status_code == 400
