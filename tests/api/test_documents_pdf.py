"""The documents as PDF (SPEC §5, §12): visits/{id}/documents/{kind}.pdf and
programmes/{id}/documents/programme.pdf. A draft's PDF is made from the draft .docx;
an issued copy's PDF is made once from the frozen .docx, stored beside it and then
answered as it is. Who may is the .docx's rule; a missing LibreOffice is a 503 while
the .docx still works. Conversions run in this process (Celery eager); the trip
through a real documents worker is tests/worker/test_document_pdf.py's."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from celery import current_app

from checklists.models import AuditEvent, Document
from checklists.services.document_copies import document_pdf_store
from tests.document_world import issue_conclusion

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (CI installs it: .ci/run)",
)
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def eager():
    conf = current_app.conf
    saved = conf.task_always_eager
    conf.task_always_eager = True
    try:
        yield
    finally:
        conf.task_always_eager = saved


def _pdf_url(visit, kind: str) -> str:
    return f"/api/v1/visits/{visit.pk}/documents/{kind}.pdf"


def _is_attachment_pdf(response) -> None:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == PDF
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.content.startswith(b"%PDF")


@needs_libreoffice
def test_a_draft_conclusion_as_pdf(papers, client_for, eager):
    response = client_for("lead").get(_pdf_url(papers.visit, "conclusion"))
    _is_attachment_pdf(response)
    assert 'filename="du-thao-conclusion' in response["Content-Disposition"]
    assert "ETag" not in response
    assert not Document.objects.filter(format=Document.Format.PDF).exists()


@needs_libreoffice
def test_the_issued_conclusions_pdf_is_made_once_and_answered_the_same(papers, client_for, eager):
    issue_conclusion(papers.visit)
    first = client_for("host_in").get(_pdf_url(papers.visit, "conclusion"))
    _is_attachment_pdf(first)
    stored = Document.objects.get(format=Document.Format.PDF)
    docx = Document.objects.get(format=Document.Format.DOCX)
    assert (stored.kind, stored.number, stored.issued_on, stored.conclusion_id) == (
        docx.kind,
        docx.number,
        docx.issued_on,
        docx.conclusion_id,
    )
    assert (stored.issuer_id, stored.register_year, stored.visit_id) == (
        docx.issuer_id,
        docx.register_year,
        docx.visit_id,
    )
    assert stored.sha256 == hashlib.sha256(first.content).hexdigest()
    assert first["ETag"] == f'"{stored.sha256}"'
    second = client_for("lead").get(_pdf_url(papers.visit, "conclusion"))
    by_file = client_for("coordinator_in").get(f"/api/v1/documents/{stored.pk}/file/")
    assert second.content == first.content == by_file.content
    assert by_file["Content-Type"] == PDF
    assert by_file["Content-Disposition"].endswith('.pdf"')
    assert Document.objects.filter(format=Document.Format.PDF).count() == 1
    downloads = AuditEvent.objects.filter(
        action="download", object_type="document", object_id=str(stored.pk)
    )
    assert downloads.count() == 3
    # The .docx is untouched and still answers itself.
    again = client_for("lead").get(f"/api/v1/visits/{papers.visit.pk}/documents/conclusion.docx")
    assert again["Content-Type"] == DOCX and again["ETag"] == f'"{docx.sha256}"'


def test_two_first_pdfs_at_once_keep_the_first_stored(papers, settings):
    """The unique constraint decides; the loser reads the winner's copy, no 500."""
    issue_conclusion(papers.visit)
    docx = Document.objects.get()
    first = document_pdf_store(docx=docx, data=b"%PDF-1.7 first")
    second = document_pdf_store(docx=docx, data=b"%PDF-1.7 second")
    assert second.pk == first.pk
    assert Document.objects.filter(format=Document.Format.PDF).count() == 1
    # The loser's bytes are not left behind in storage.
    stored = sorted(
        p.name for p in (Path(settings.MEDIA_ROOT) / "documents").rglob("*") if p.is_file()
    )
    assert stored == sorted(Path(d.file.name).name for d in Document.objects.all())


def test_missing_libreoffice_is_a_503_while_the_docx_works(papers, client_for, eager, settings):
    settings.SOFFICE_BINARY = "/nonexistent/soffice"
    issue_conclusion(papers.visit)
    client = client_for("lead")
    for path in (_pdf_url(papers.visit, "conclusion"), _pdf_url(papers.visit, "checklist")):
        response = client.get(path)
        assert response.status_code == 503
        assert response["Content-Type"].startswith("application/problem+json")
        assert "LibreOffice" in response.json()["detail"]
    assert not Document.objects.filter(format=Document.Format.PDF).exists()
    docx = client.get(f"/api/v1/visits/{papers.visit.pk}/documents/conclusion.docx")
    assert docx.status_code == 200


@pytest.mark.parametrize(
    ("role", "status"), [("host_in", 404), ("host_out", 404), ("stranger", 404), ("member", 403)]
)
def test_the_draft_conclusions_pdf_is_refused_as_its_docx(papers, client_for, role, status, eager):
    response = client_for(role).get(_pdf_url(papers.visit, "conclusion"))
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")


def test_an_unknown_kind_is_a_400(papers, client_for):
    assert client_for("lead").get(_pdf_url(papers.visit, "minutes")).status_code == 400


@needs_libreoffice
def test_the_programmes_pdf_follows_the_programmes_readers(plan, client_for, eager):
    url = f"/api/v1/programmes/{plan.programme.pk}/documents/programme.pdf"
    assert client_for("coordinator_out").get(url).status_code == 404
    _is_attachment_pdf(client_for("coordinator_in").get(url))


@needs_libreoffice
def test_the_issued_programmes_pdf_is_stored_once(plan, client_for, eager):
    from checklists.services.documents import document_issue
    from checklists.services.programmes import programme_approve

    programme_approve(actor=None, programme=plan.programme)
    docx = document_issue(actor=None, kind="programme", programme=plan.programme)
    url = f"/api/v1/programmes/{plan.programme.pk}/documents/programme.pdf"
    first = client_for("coordinator_in").get(url)
    _is_attachment_pdf(first)
    stored = Document.objects.get(format=Document.Format.PDF)
    assert (stored.programme_id, stored.number, stored.reference) == (
        docx.programme_id,
        docx.number,
        docx.reference,
    )
    assert client_for("coordinator_in").get(url).content == first.content
    assert client_for("coordinator_out").get(url).status_code == 404


def test_the_followup_pdf_is_hidden_from_the_host_as_its_docx(papers, client_for, eager):
    from tests.document_world import issue_followup

    issue_conclusion(papers.visit)
    issue_followup(papers.visit)
    for suffix in ("docx", "pdf"):
        path = f"/api/v1/visits/{papers.visit.pk}/documents/followup.{suffix}"
        assert client_for("host_in").get(path).status_code == 404
    assert not Document.objects.filter(format=Document.Format.PDF).exists()
