"""Each implementation report and each verdict tells the other side (SPEC §5, §11),
exactly once, in the recipient's language, never the person who acted; the
conclusion's issue goes through the same machinery."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.utils import translation

from checklists.models import ImplementationReport, Notification, Recommendation
from checklists.services import conclusion_notices
from checklists.services.conclusions import conclusion_issue
from checklists.services.implementation_reports import (
    EvidenceUpload,
    implementation_report_submit,
    implementation_report_verdict,
)
from checklists.services.notification_delivery import notification_send
from tests.evidence_files import xlsx_bytes


@pytest.fixture
def issued(outcome):
    conclusion_issue(actor=outcome.people.lead, visit=outcome.visit)
    outcome.kn02 = Recommendation.objects.get(code="KN-02")
    return outcome


def _told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def _report(issued, actor) -> ImplementationReport:
    return implementation_report_submit(
        actor=actor,
        recommendation=issued.kn02,
        text="Đã bổ sung hồ sơ",
        progress=70,
        files=[EvidenceUpload(io.BytesIO(xlsx_bytes()), "so-lieu.xlsx")],
    )


def test_it_tells_the_lead_deputy_and_coordinators_of_a_report_once(issued):
    report = _report(issued, issued.people.addressee)
    assert _told("implementation_report") == {"lead", "deputy", "coord_in", "coord_all"}
    note = Notification.objects.get(kind="implementation_report", recipient=issued.people.lead)
    assert note.url == f"/recommendations/{issued.kn02.pk}/"
    assert note.visit_id == issued.visit.pk
    assert note.recommendation_id == issued.kn02.pk
    assert "KN-02" in note.title and "70%" in note.body and "1 evidence file" in note.body
    # The step run again (a retried request) tells nobody twice.
    conclusion_notices.notify_implementation_report(report=report, acted_by=None)
    assert Notification.objects.filter(kind="implementation_report").count() == 4


def test_it_never_tells_the_coordinator_who_reported(issued):
    _report(issued, issued.people.coordinator_in)
    assert "coord_in" not in _told("implementation_report")


def test_it_tells_the_author_and_the_addressee_of_a_verdict(issued):
    issued.people.addressee.language = "vi"
    issued.people.addressee.save(update_fields=["language"])
    report = _report(issued, issued.people.coordinator_in)
    implementation_report_verdict(
        actor=issued.people.lead, report=report, verdict="returned", verdict_note="Thiếu biên bản"
    )
    assert _told("verdict") == {"coord_in", "addressee"}
    vietnamese = Notification.objects.get(kind="verdict", recipient=issued.people.addressee)
    english = Notification.objects.get(kind="verdict", recipient=issued.people.coordinator_in)
    assert english.title.startswith("Report returned: KN-02")
    assert "Thiếu biên bản" in english.body
    # Each in its recipient's language (the catalogue gains these words when the
    # lead translates them; the rendering language is what is tested here).
    report.refresh_from_db()
    with translation.override("vi"):
        assert (vietnamese.title, vietnamese.body) == conclusion_notices.verdict_text(
            report, issued.people.lead
        )
    conclusion_notices.notify_verdict(report=report, acted_by=issued.people.lead)
    assert Notification.objects.filter(kind="verdict").count() == 2


def test_it_emails_each_or_holds_for_the_digest(issued):
    issued.people.deputy.notify = "digest"
    issued.people.deputy.save(update_fields=["notify"])
    _report(issued, issued.people.addressee)
    states = dict(
        Notification.objects.filter(kind="implementation_report").values_list(
            "recipient__username", "email_state"
        )
    )
    assert states["deputy"] == "digest" and states["lead"] == "pending"
    lead_note = Notification.objects.get(kind="implementation_report", recipient__username="lead")
    mail.outbox.clear()
    assert notification_send(notification_id=lead_note.pk) == "sent"
    assert len(mail.outbox) == 1 and "KN-02" in mail.outbox[0].subject
    assert f"/recommendations/{issued.kn02.pk}/" in mail.outbox[0].body


def test_it_issues_the_conclusion_notices_through_the_loop_machinery(issued):
    notes = Notification.objects.filter(kind="conclusion_issued")
    assert {n.recipient.username for n in notes} == {
        "host_in",
        "addressee",
        "coord_in",
        "coord_all",
    }
    assert len({n.event_key for n in notes}) == 1
    by_name = {n.recipient.username: n for n in notes}
    # The addressee below the host does not see the visit: its recommendation's page.
    assert by_name["addressee"].url == f"/recommendations/{issued.kn02.pk}/"
    assert by_name["host_in"].url == f"/visits/{issued.visit.pk}/"
    assert by_name["host_in"].email_state == "pending"
    conclusion = issued.visit.conclusions.get(state="issued")
    conclusion_notices.notify_conclusion_issued(conclusion=conclusion, acted_by=None)
    assert notes.count() == 4
