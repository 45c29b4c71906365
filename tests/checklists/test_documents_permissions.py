"""Who gets which document (SPEC §4 "documents: as their visit or programme"), each
rule tried by someone it should refuse: drafts for those who may edit what they
show, issued copies for those who may see them, host contacts the issued
conclusion's copy only, internal notes in the team's copy only, anyone else 404."""

from __future__ import annotations

import datetime as dt

import pytest

from checklists.errors import Conflict, NotAllowed, NotFound
from checklists.models import Document
from checklists.selectors.documents import documents_visible_to
from checklists.services.documents import document_draft, document_file, document_issue
from checklists.services.programmes import programme_approve
from tests import factories
from tests.document_world import issue_conclusion, issue_followup
from tests.documents_docx import open_docx, texts

NOTE = "Riêng Đoàn: hồ sơ đảng viên còn thiếu"


def draft_of(person, visit, kind):
    return document_draft(actor=person, kind=kind, visit=visit)


@pytest.mark.parametrize("role", ["host_in", "addressee"])
def test_host_contacts_never_get_the_draft_conclusion(papers, role):
    with pytest.raises(NotFound):
        draft_of(getattr(papers.people, role), papers.visit, "conclusion")


def test_a_member_sees_the_draft_but_may_not_have_it(papers):
    with pytest.raises(NotAllowed):
        draft_of(papers.people.member, papers.visit, "conclusion")
    assert draft_of(papers.people.secretary, papers.visit, "conclusion").document is None


@pytest.mark.parametrize("role", ["host_out", "coordinator_out", "stranger"])
@pytest.mark.parametrize("kind", ["conclusion", "followup", "checklist"])
def test_people_unrelated_to_the_visit_are_told_nothing(papers, role, kind):
    person = (
        factories.UserFactory(username="stranger")
        if role == "stranger"
        else getattr(papers.people, role)
    )
    issue_conclusion(papers.visit)
    with pytest.raises(NotFound) as caught:
        draft_of(person, papers.visit, kind)
    assert "no such visit" in str(caught.value)


def test_host_contacts_get_the_issued_conclusion_copy_and_nothing_else(papers):
    issue_conclusion(papers.visit)
    followup = issue_followup(papers.visit)
    copy = Document.objects.get(kind="conclusion")
    for role in ("host_in", "addressee"):
        person = getattr(papers.people, role)
        assert draft_of(person, papers.visit, "conclusion").document == copy
        assert document_file(actor=person, document=copy).data
        with pytest.raises(NotFound):
            draft_of(person, papers.visit, "followup")
        with pytest.raises(NotFound):
            document_file(actor=person, document=followup)
        assert set(documents_visible_to(person)) == {copy}


def test_the_host_outside_the_visit_gets_no_copy(papers):
    issue_conclusion(papers.visit)
    copy = Document.objects.get()
    for role in ("host_out", "coordinator_out"):
        with pytest.raises(NotFound):
            document_file(actor=getattr(papers.people, role), document=copy)
        assert not documents_visible_to(getattr(papers.people, role)).exists()


def test_the_team_and_coordinators_see_every_copy_of_their_visit(papers):
    issue_conclusion(papers.visit)
    followup = issue_followup(papers.visit)
    for role in ("member", "lead", "coordinator_in", "coordinator_all"):
        person = getattr(papers.people, role)
        assert draft_of(person, papers.visit, "followup").document == followup
        assert set(documents_visible_to(person)) == set(Document.objects.all())


def test_the_internal_notes_are_in_the_team_copy_only(papers):
    papers.item.internal_note = NOTE
    papers.item.save(update_fields=["internal_note"])
    for role in ("member", "lead", "coordinator_in"):
        doc = open_docx(draft_of(getattr(papers.people, role), papers.visit, "checklist").data)
        assert NOTE in texts(doc), role
        assert "Ghi chú nội bộ của Đoàn" in texts(doc)
    host_copy = open_docx(draft_of(papers.people.host_in, papers.visit, "checklist").data)
    assert NOTE not in texts(host_copy)
    assert not any("Ghi chú nội bộ" in t for t in texts(host_copy))
    # The addressee below the host does not see the visit's checklist at all.
    with pytest.raises(NotFound):
        draft_of(papers.people.addressee, papers.visit, "checklist")


def test_only_those_who_manage_recommendations_issue_the_followup(papers):
    issue_conclusion(papers.visit)
    for role, error in (
        ("member", NotAllowed),
        ("secretary", NotAllowed),
        ("host_in", NotFound),
        ("addressee", NotFound),
        ("coordinator_out", NotFound),
    ):
        with pytest.raises(error):
            issue_followup(papers.visit, actor=getattr(papers.people, role))
        with pytest.raises(error):
            draft_of(getattr(papers.people, role), papers.visit, "followup")
    assert not Document.objects.filter(kind="followup").exists()
    assert issue_followup(papers.visit, actor=papers.people.deputy).number == 1


def test_the_followup_draft_waits_for_the_issued_conclusion(papers):
    with pytest.raises(Conflict):
        draft_of(papers.people.lead, papers.visit, "followup")


def test_a_programme_document_is_for_the_coordinators_of_its_issuer(plan):
    people = plan.world.people
    programme = plan.programme
    for person in (people.coordinator_out, people.lead, people.host_in, plan.people.lead_a):
        with pytest.raises(NotFound):
            document_draft(actor=person, kind="programme", programme=programme)
        with pytest.raises(NotFound):
            document_issue(actor=person, kind="programme", programme=programme)
    assert document_draft(actor=people.coordinator_in, kind="programme", programme=programme).data
    programme_approve(actor=None, programme=programme)
    copy = document_issue(
        actor=people.coordinator_in,
        kind="programme",
        programme=programme,
        issued_on=dt.date(2025, 1, 3),
    )
    with pytest.raises(NotFound):
        document_file(actor=people.coordinator_out, document=copy)
    assert not documents_visible_to(people.coordinator_out).exists()
    assert list(documents_visible_to(people.coordinator_in)) == [copy]
    assert document_file(actor=people.coordinator_all, document=copy).data


def test_classification_does_not_change_who_gets_a_copy(papers):
    papers.visit.classification = "top_secret"
    papers.visit.save(update_fields=["classification"])
    issue_conclusion(papers.visit)
    copy = document_draft(actor=papers.people.host_in, kind="conclusion", visit=papers.visit)
    assert "TUYỆT MẬT" in texts(open_docx(copy.data))
    with pytest.raises(NotFound):
        draft_of(papers.people.host_out, papers.visit, "conclusion")
