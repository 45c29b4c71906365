"""A recommendation's page (/recommendations/{id}/): who sees it, who gets the
report and verdict forms, and the forms' answers (htmx and plain), through the
same services as the API."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from checklists.models import AuditEvent, EvidenceFile, ImplementationReport, Recommendation
from checklists.services.conclusions import conclusion_issue
from checklists.services.implementation_reports import (
    EvidenceUpload,
    implementation_report_submit,
)
from tests.evidence_files import jpeg_bytes, xlsm_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def issued(outcome):
    conclusion_issue(actor=None, visit=outcome.visit)
    outcome.kn01 = Recommendation.objects.get(code="KN-01")
    outcome.kn02 = Recommendation.objects.get(code="KN-02")
    return outcome


def page(rec: Recommendation) -> str:
    return f"/recommendations/{rec.pk}/"


@pytest.mark.parametrize(
    ("role", "status", "report_form"),
    [
        ("coordinator_in", 200, True),
        ("lead", 200, False),
        ("member", 200, False),
        ("host_in", 200, False),  # KN-02's addressee has its own contact
        ("addressee", 200, True),
        ("coordinator_out", 404, False),
        ("host_out", 404, False),
    ],
)
def test_it_shows_the_page_and_the_report_form_to_whom_spec_says(
    issued, web_client_for, role, status, report_form
):
    response = web_client_for(role).get(page(issued.kn02))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "KN-02" in html and "Bổ sung hồ sơ" in html
        assert ('id="report-form"' in html) is report_form
        assert 'id="verdict-form"' not in html


def test_it_hides_a_draft_recommendation_from_the_host(outcome, web_client_for):
    draft = Recommendation.objects.get(code="KN-01")
    assert web_client_for("host_in").get(page(draft)).status_code == 404
    assert web_client_for("lead").get(page(draft)).status_code == 200


def test_it_takes_a_report_with_files_and_answers_htmx_with_the_section(issued, web_client_for):
    client = web_client_for("addressee")
    response = client.post(
        page(issued.kn02) + "reports/",
        {
            "text": "Đã bổ sung hồ sơ",
            "progress": "80",
            "files": [
                SimpleUploadedFile("so-lieu.xlsx", xlsx_bytes()),
                SimpleUploadedFile("anh.jpg", jpeg_bytes()),
            ],
        },
        **HTMX,
    )
    assert response.status_code == 201
    html = response.content.decode()
    assert html.startswith('<section id="follow-up"') and "so-lieu.xlsx" in html
    report = ImplementationReport.objects.get()
    assert sorted(report.files.values_list("original_name", flat=True)) == [
        "anh.jpg",
        "so-lieu.xlsx",
    ]
    assert Recommendation.objects.get(pk=issued.kn02.pk).state == "reported"
    # The evidence downloads from the page, audited.
    evidence = report.files.get(original_name="so-lieu.xlsx")
    download = client.get(f"{page(issued.kn02)}reports/{report.pk}/files/{evidence.pk}/")
    assert download.status_code == 200
    assert AuditEvent.objects.filter(action="download", object_type="evidencefile").count() == 1
    assert (
        web_client_for("host_out")
        .get(f"{page(issued.kn02)}reports/{report.pk}/files/{evidence.pk}/")
        .status_code
        == 404
    )


def test_it_shows_a_refused_file_beside_the_field_and_keeps_nothing(issued, web_client_for):
    response = web_client_for("addressee").post(
        page(issued.kn02) + "reports/",
        {
            "text": "Có macro",
            "progress": "10",
            "files": [SimpleUploadedFile("bang.xlsm", xlsm_bytes())],
        },
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_files_error"' in html and "bang.xlsm" in html
    assert 'aria-describedby="id_files_helptext id_files_error"' in html
    assert ImplementationReport.objects.count() == 0 and EvidenceFile.objects.count() == 0


def test_it_refuses_a_bad_progress_beside_its_field(issued, web_client_for):
    response = web_client_for("addressee").post(
        page(issued.kn02) + "reports/", {"text": "X", "progress": "150"}
    )
    assert response.status_code == 422
    assert 'id="id_progress_error"' in response.content.decode()


def test_it_offers_the_verdict_to_the_lead_and_returns_with_a_note(issued, web_client_for):
    report = implementation_report_submit(
        actor=issued.people.addressee,
        recommendation=issued.kn02,
        text="Đã làm",
        progress=50,
        files=[EvidenceUpload(io.BytesIO(xlsx_bytes()), "a.xlsx")],
    )
    lead = web_client_for("lead")
    assert 'id="verdict-form"' in lead.get(page(issued.kn02)).content.decode()
    assert (
        'id="verdict-form"' not in web_client_for("member").get(page(issued.kn02)).content.decode()
    )
    url = f"{page(issued.kn02)}reports/{report.pk}/verdict/"
    missing_note = lead.post(url, {"verdict": "returned"}, **HTMX)
    assert missing_note.status_code == 422
    assert 'id="id_verdict_note_error"' in missing_note.content.decode()
    forbidden = web_client_for("member").post(url, {"verdict": "accepted"})
    assert forbidden.status_code == 403
    returned = lead.post(url, {"verdict": "returned", "verdict_note": "Thiếu biên bản"})
    assert returned.status_code == 302
    assert Recommendation.objects.get(pk=issued.kn02.pk).state == "open"
    again = lead.post(url, {"verdict": "accepted"}, **HTMX)
    assert again.status_code == 409


def test_it_speaks_vietnamese(issued, web_client_for):
    client = web_client_for("addressee")
    client.cookies["django_language"] = "vi"
    html = client.get(page(issued.kn02), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'lang="vi"' in html
