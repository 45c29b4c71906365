"""SPEC §4's rows on implementation reports, through the API, for every role:
report on a recommendation addressed to their unit; give the verdict; download
evidence files. The roles are test_conclusion_permissions'; KN-01 is addressed
to the host unit, KN-02 to a grassroots unit below it that has a contact of its
own (`addressee`). Hidden: 404; seen but not allowed: 403."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from checklists.models import AuditEvent, ImplementationReport, Recommendation
from checklists.services.conclusions import conclusion_issue
from checklists.services.implementation_reports import (
    EvidenceUpload,
    implementation_report_submit,
)
from tests.api.test_conclusion_permissions import ROLES, TEAM, table
from tests.evidence_files import xlsx_bytes

SEE_HOSTS = table(coordinator_in=200, host_in=200, **dict.fromkeys(TEAM, 200))
SEE_OWN = {**SEE_HOSTS, "addressee": 200}
# KN-02's addressee has a contact: they report, not the host's contacts.
REPORT_OWN = table(coordinator_in=201, addressee=201, host_in=403, **dict.fromkeys(TEAM, 403))
REPORT_HOSTS = table(coordinator_in=201, host_in=201, **dict.fromkeys(TEAM, 403))
VERDICT = table(
    coordinator_in=200,
    lead=200,
    deputy=200,
    secretary=403,
    member=403,
    host_in=403,
    addressee=403,
)


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    expected: dict[str, int]
    body: dict | None = None
    code: str = "KN-02"


CASES = [
    Case("list the reports", "get", "recommendations/{rec}/reports/", SEE_OWN),
    Case("list the host's reports", "get", "recommendations/{rec}/reports/", SEE_HOSTS, None, "KN-01"),
    Case("report on its own", "post", "recommendations/{rec}/reports/", REPORT_OWN, {"text": "Đã làm", "progress": 50}),
    Case("report on the host's", "post", "recommendations/{rec}/reports/", REPORT_HOSTS, {"text": "Đã làm", "progress": 50}, "KN-01"),
    Case("see a report", "get", "implementation-reports/{report}/", SEE_OWN),
    Case("see a report on the host's", "get", "implementation-reports/{report}/", SEE_HOSTS, None, "KN-01"),
    Case("download evidence", "get", "implementation-reports/{report}/files/{file}/", SEE_OWN),
    Case("download the host's evidence", "get", "implementation-reports/{report}/files/{file}/", SEE_HOSTS, None, "KN-01"),
    Case("accept", "post", "implementation-reports/{report}/verdict/", VERDICT, {"verdict": "accepted"}),
    Case("return", "post", "implementation-reports/{report}/verdict/", {**VERDICT, "addressee": 404}, {"verdict": "returned", "verdict_note": "Thiếu"}, "KN-01"),
]  # fmt: skip


@pytest.fixture
def issued(outcome):
    conclusion_issue(actor=None, visit=outcome.visit)
    return outcome


def _system_report(recommendation: Recommendation) -> ImplementationReport:
    return implementation_report_submit(
        actor=None,
        recommendation=recommendation,
        text="Đã bổ sung",
        progress=60,
        files=[EvidenceUpload(io.BytesIO(xlsx_bytes()), "so-lieu.xlsx")],
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_it_answers_each_role_as_spec_section_4_says(issued, case, role):
    recommendation = Recommendation.objects.get(code=case.code)
    names = {"rec": recommendation.pk}
    if "{report}" in case.path:
        report = _system_report(recommendation)
        names |= {"report": report.pk, "file": report.files.get().pk}
    client = APIClient()
    user = getattr(issued.people, role)
    if user is not None:
        client.force_authenticate(user)
    url = "/api/v1/" + case.path.format(**names)
    if case.method == "post" and "reports/" in case.path and "verdict" not in case.path:
        response = client.post(url, case.body, format="multipart")
    else:
        response = getattr(client, case.method)(url, case.body, format="json")
    assert response.status_code == case.expected[role], response.content
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", ["host_in", "addressee", "lead"])
def test_it_lets_the_host_report_when_the_addressee_has_no_contact(issued, role):
    issued.people.addressee.is_active = False
    issued.people.addressee.save(update_fields=["is_active"])
    recommendation = Recommendation.objects.get(code="KN-02")
    client = APIClient()
    client.force_authenticate(getattr(issued.people, role))
    response = client.post(
        f"/api/v1/recommendations/{recommendation.pk}/reports/",
        {"text": "Đơn vị cấp trên báo cáo thay", "progress": 30},
        format="multipart",
    )
    # A deactivated person sees nothing.
    assert response.status_code == {"host_in": 201, "addressee": 404, "lead": 403}[role]


def test_it_audits_each_download_of_evidence(issued):
    report = _system_report(Recommendation.objects.get(code="KN-02"))
    evidence = report.files.get()
    client = APIClient()
    client.force_authenticate(issued.people.addressee)
    response = client.get(f"/api/v1/implementation-reports/{report.pk}/files/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    with evidence.file.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
    event = AuditEvent.objects.get(action="download", object_type="evidencefile")
    assert event.actor == issued.people.addressee
    assert event.changes["filename"] == "so-lieu.xlsx"
