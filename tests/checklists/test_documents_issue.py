"""Issued copies (SPEC §12): made once with their number, stored with their SHA-256,
never regenerated; numbered by the issuer's register per type and year; the legal
basis from the registry; the command for conclusions issued before documents."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.management import call_command

from checklists.errors import Conflict
from checklists.models import AuditEvent, Conclusion, Document, Notification, OutgoingRegister
from checklists.services.conclusions import conclusion_update, conclusion_withdraw
from checklists.services.document_copies import conclusion_documents_generate
from checklists.services.documents import document_draft, document_file, document_issue
from checklists.services.legal_instruments import legal_instrument_add
from checklists.services.programmes import programme_approve
from tests.conclusion_world import draft, rec
from tests.document_world import issue_conclusion, issue_followup
from tests.documents_docx import find, open_docx, texts


def test_it_freezes_the_conclusion_copy_at_issue(papers):
    conclusion = issue_conclusion(papers.visit, actor=papers.people.lead)
    copy = Document.objects.get(kind="conclusion")
    assert (copy.conclusion_id, copy.visit_id, copy.number, copy.reference) == (
        conclusion.pk,
        papers.visit.pk,
        1,
        "1-KL/TU",
    )
    data = copy.file.read()
    assert copy.sha256 == hashlib.sha256(data).hexdigest() and copy.size == len(data)
    assert copy.issued_by == papers.people.lead and copy.issued_on == conclusion.issued_on
    event = AuditEvent.objects.get(action="issue", object_type="conclusion")
    assert event.changes["document"] == {"id": copy.pk, "sha256": copy.sha256}


def test_it_answers_the_same_bytes_every_time_even_after_the_data_changed(papers):
    issue_conclusion(papers.visit)
    copy = Document.objects.get(kind="conclusion")
    first = document_draft(actor=papers.people.host_in, kind="conclusion", visit=papers.visit)
    # The records behind it change: the host unit is renamed, a recommendation done.
    papers.district.name = "Thành phố Hạ Long"
    papers.district.save()
    papers.province_in.document_style = "state"
    papers.province_in.save()
    again = document_draft(actor=papers.people.lead, kind="conclusion", visit=papers.visit)
    by_id = document_file(actor=papers.people.coordinator_in, document=copy)
    assert first.data == again.data == by_id.data
    assert hashlib.sha256(by_id.data).hexdigest() == copy.sha256
    copy.refresh_from_db()
    assert Document.objects.count() == 1
    # Each download audited.
    assert AuditEvent.objects.filter(action="download", object_type="document").count() == 3


def test_it_keeps_the_copy_when_the_conclusion_is_withdrawn_and_numbers_the_reissue(papers):
    issue_conclusion(papers.visit)
    old = Document.objects.get()
    conclusion_withdraw(actor=None, visit=papers.visit, reason="Sai sót")
    # The draft path now renders the new draft.
    drafted = document_draft(actor=papers.people.lead, kind="conclusion", visit=papers.visit)
    assert drafted.document is None and "DỰ THẢO" in texts(open_docx(drafted.data))
    issue_conclusion(papers.visit, issued_on=dt.date(2025, 2, 6))
    assert list(Document.objects.order_by("number").values_list("number", "sha256")) == [
        (1, old.sha256),
        (2, Document.objects.get(number=2).sha256),
    ]
    assert old.conclusion.state == Conclusion.State.WITHDRAWN


def test_it_issues_the_followup_report_with_the_next_bc_number(papers):
    issue_conclusion(papers.visit)
    first = issue_followup(papers.visit, actor=papers.people.lead, issued_on=dt.date(2025, 3, 1))
    assert (first.kind, first.number, first.reference) == ("followup", 1, "1-BC/TU")
    doc = open_docx(first.file.read())
    assert find(doc, "Số 1-BC/TU")
    assert any("Kết luận số 1-KL/TU" in t for t in texts(doc))
    assert any(t.startswith("KN-01") for t in texts(doc))
    # Told: the deputy and the coordinators, never the lead who issued it.
    told = set(
        Notification.objects.filter(kind="document_issued").values_list(
            "recipient__username", flat=True
        )
    )
    assert "deputy" in told and "coord_in" in told and "lead" not in told
    assert "host_in" not in told
    with pytest.raises(Conflict):
        issue_followup(papers.visit, issued_on=dt.date(2025, 3, 2))
    assert Document.objects.filter(kind="followup").count() == 1


def test_it_refuses_a_followup_before_the_conclusion_is_issued(papers):
    with pytest.raises(Conflict) as caught:
        issue_followup(papers.visit)
    assert caught.value.code == "conclusion_not_issued"
    assert not OutgoingRegister.objects.exists()


def test_it_starts_a_new_year_at_one(papers):
    issue_conclusion(papers.visit)
    december = issue_followup(papers.visit, issued_on=dt.date(2025, 12, 31))
    # A second visit's conclusion, and its follow-up in January.
    other = papers.other_visit
    other.issuer = papers.province_in
    other.save(update_fields=["issuer"])
    from tests.conclusion_world import to_reporting

    to_reporting(other)
    draft(other, rec(other.host_unit))
    issue_conclusion(other, issued_on=dt.date(2025, 12, 30))
    january = issue_followup(other, issued_on=dt.date(2026, 1, 2))
    assert (december.register_year, december.number) == (2025, 1)
    assert (january.register_year, january.number) == (2026, 1)
    assert january.reference == "1-BC/TU"
    assert find(open_docx(january.file.read()), "Quảng Ninh, ngày 02 tháng 01 năm 2026")


def test_it_issues_an_approved_programme_once(plan):
    programme = plan.programme
    with pytest.raises(Conflict) as caught:
        document_issue(actor=None, kind="programme", programme=programme)
    assert caught.value.code == "programme_not_approved"
    programme_approve(actor=None, programme=programme)
    document = document_issue(
        actor=plan.world.people.coordinator_in,
        kind="programme",
        programme=programme,
        issued_on=dt.date(2025, 1, 10),
    )
    assert (document.reference, document.programme_id, document.visit_id) == (
        "1-KH/QUANG-NINH",
        programme.pk,
        None,
    )
    doc = open_docx(document.file.read())
    assert any(t.startswith("Trưởng đoàn: ") for t in texts(doc))
    assert "Hạ Long" in texts(doc) and "Cẩm Phả" in texts(doc)
    # The draft path now answers the frozen copy.
    again = document_draft(
        actor=plan.world.people.coordinator_in, kind="programme", programme=programme
    )
    assert again.document == document and again.data == document.file.open("rb").read()
    with pytest.raises(Conflict):
        document_issue(actor=None, kind="programme", programme=programme)


def test_it_cites_the_legal_basis_in_full_first_then_short_and_warns_of_replaced(plan):
    basis, _ = legal_instrument_add(
        actor=None, citation="Quy định số 126-QĐ/TW ngày 28/02/2018 của Bộ Chính trị"
    )
    new, _ = legal_instrument_add(actor=None, citation="Quy định số 131-QĐ/TW ngày 28/10/2023")
    plan.programme.legal_basis.add(basis)
    programme = plan.programme
    doc = open_docx(document_draft(actor=None, kind="programme", programme=programme).data)
    lines = [t for t in texts(doc) if t.startswith("Căn cứ")]
    assert lines[0] == f"Căn cứ {basis.citation};"
    assert lines[-1].startswith("Căn cứ Quyết định số 15-QĐ/TU")
    assert document_draft(actor=None, kind="programme", programme=programme).warnings == ()
    basis.status = "replaced"
    basis.replaced_by = new
    basis.save()
    warned = document_draft(actor=None, kind="programme", programme=programme)
    assert len(warned.warnings) == 1 and new.short_citation in warned.warnings[0]


def test_it_cites_the_visit_decision_short_after_its_full_mention(papers):
    instrument, _ = legal_instrument_add(
        actor=None, citation="Quyết định số 20-QĐ/TU ngày 02/05/2024"
    )
    papers.visit.decision_instrument = instrument
    papers.visit.save(update_fields=["decision_instrument"])
    doc = open_docx(document_draft(actor=None, kind="conclusion", visit=papers.visit).data)
    all_text = texts(doc)
    assert f"Căn cứ {instrument.citation};" in all_text
    assert any(t.startswith(f"Thực hiện {instrument.short_citation},") for t in all_text)


def test_the_command_makes_the_copies_of_older_conclusions_once(papers):
    issue_conclusion(papers.visit)
    Document.objects.all().delete()  # as before documents existed
    call_command("generate_issued_documents", verbosity=0)
    copy = Document.objects.get()
    assert copy.reference == "1-KL/TU" and copy.number == 1
    assert conclusion_documents_generate() == []
    assert Document.objects.get().sha256 == copy.sha256


def test_the_checklist_record_is_never_issued(papers):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        document_issue(actor=None, kind="checklist", visit=papers.visit)
    with pytest.raises(ValidationError):
        document_issue(actor=None, kind="conclusion", visit=papers.visit)


def test_a_draft_edit_changes_the_draft_not_a_frozen_copy(papers):
    conclusion_update(actor=None, visit=papers.visit, summary="Bản đầu")
    first = document_draft(actor=None, kind="conclusion", visit=papers.visit).data
    conclusion_update(actor=None, visit=papers.visit, summary="Bản sau")
    second = document_draft(actor=None, kind="conclusion", visit=papers.visit).data
    assert "Bản đầu" in texts(open_docx(first)) and "Bản sau" in texts(open_docx(second))
    assert not Document.objects.exists()


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """The notification e-mails that would go to Celery, by id."""
    seen: list[int] = []
    monkeypatch.setattr("checklists.services.notification_delivery._enqueue_send", seen.append)
    return seen


def test_the_document_issued_e_mail_carries_the_classification_mark(papers, enqueued):
    from django.core import mail
    from django.test import TestCase

    from checklists.services.notification_delivery import notification_send

    papers.visit.classification = "secret"
    papers.visit.save(update_fields=["classification"])
    issue_conclusion(papers.visit)
    enqueued.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        issue_followup(papers.visit, actor=papers.people.lead)
    assert enqueued
    notification_send(notification_id=enqueued[0])
    assert mail.outbox[-1].subject.startswith("[TỐI MẬT] Document issued: Follow-up report 1-BC/TU")


def test_a_programme_document_tells_the_issuer_coordinators_by_e_mail(plan, enqueued):
    from django.core import mail
    from django.test import TestCase

    from checklists.services.notification_delivery import notification_send

    programme_approve(actor=None, programme=plan.programme)
    with TestCase.captureOnCommitCallbacks(execute=True):
        document = document_issue(actor=None, kind="programme", programme=plan.programme)
    told = Notification.objects.filter(kind="document_issued")
    assert {n.recipient.username for n in told} == {"coord_in", "coord_all"}
    assert all(n.url == f"/programmes/{plan.programme.pk}/" and n.visit is None for n in told)
    for pk in enqueued:
        notification_send(notification_id=pk)
    assert mail.outbox and all(document.reference in m.subject for m in mail.outbox)
