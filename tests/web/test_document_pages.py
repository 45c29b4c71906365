"""The "Documents" block of the visit and programme pages (SPEC §12): what it offers
is what the services answer (held to each other here, role by role), the issue
buttons go through document_issue (refusals on web.errors' pages), the issued
copies are listed with number, date and hash, and replaced instruments warn."""

from __future__ import annotations

import re

import pytest

from checklists.errors import DomainError
from checklists.models import Document
from checklists.selectors.documents import (
    documents_visible_to,
    programme_document_offer,
    visit_document_offer,
    visit_documents_for,
)
from checklists.services.documents import document_draft
from checklists.services.programmes import programme_approve
from tests.document_world import issue_conclusion, issue_followup

ROLES = [
    "coordinator_all",
    "coordinator_in",
    "lead",
    "deputy",
    "member",
    "secretary",
    "host_in",
]


def _served(user, visit) -> set[str]:
    served = set()
    for kind in Document.VISIT_KINDS:
        try:
            document_draft(actor=user, kind=kind, visit=visit)
        except DomainError:
            continue
        served.add(kind)
    return served


def _section(html: str) -> str:
    match = re.search(r'<section id="documents".*?</section>', html, re.S)
    assert match, "no documents section"
    return match.group(0)


@pytest.mark.parametrize("stage", ["draft", "issued", "followup"])
def test_the_offer_is_what_the_services_serve(papers, stage):
    if stage != "draft":
        issue_conclusion(papers.visit)
    if stage == "followup":
        issue_followup(papers.visit)
    papers.visit.refresh_from_db()
    for role in ROLES:
        user = getattr(papers.people, role)
        offer = visit_document_offer(user, papers.visit)
        assert set(offer.kinds) == _served(user, papers.visit), role


def test_the_page_lists_the_issued_copies_the_documents_list_gives(papers):
    # The page's one-visit selector and the API's documents/ agree, role by role.
    issue_conclusion(papers.visit)
    issue_followup(papers.visit)
    papers.visit.refresh_from_db()
    for role in [*ROLES, "coordinator_out", "host_out"]:
        user = getattr(papers.people, role)
        listed = set(documents_visible_to(user).filter(visit_id=papers.visit.pk))
        assert set(visit_documents_for(user, papers.visit)) == listed, role


def test_the_lead_gets_the_drafts_and_the_host_only_the_checklist(papers, web_client_for):
    url = f"/visits/{papers.visit.pk}/"
    lead = _section(web_client_for("lead").get(url).content.decode())
    assert f"/api/v1/visits/{papers.visit.pk}/documents/conclusion.docx" in lead
    assert f"/api/v1/visits/{papers.visit.pk}/documents/conclusion.pdf" in lead
    assert "followup" not in lead  # nothing to report on before the conclusion is issued
    host = _section(web_client_for("host_in").get(url).content.decode())
    assert "conclusion.docx" not in host
    assert "checklist.docx" in host
    assert "<form" not in host


def test_the_deputy_issues_the_followup_from_the_page(papers, web_client_for):
    issue_conclusion(papers.visit)
    url = f"/visits/{papers.visit.pk}/"
    member = web_client_for("member")
    assert "documents/issue/" not in _section(member.get(url).content.decode())
    assert member.post(f"{url}documents/issue/").status_code == 403
    assert web_client_for("host_in").post(f"{url}documents/issue/").status_code == 404
    deputy = web_client_for("deputy")
    section = _section(deputy.get(url).content.decode())
    assert f'action="/visits/{papers.visit.pk}/documents/issue/"' in section
    assert 'name="csrfmiddlewaretoken"' in section
    response = deputy.post(f"{url}documents/issue/", follow=True)
    assert response.status_code == 200
    followup = Document.objects.get(kind=Document.Kind.FOLLOWUP)
    section = _section(response.content.decode())
    assert followup.reference in section and followup.sha256[:12] in section
    assert f"/api/v1/documents/{followup.pk}/file/" in section
    assert "documents/issue/" not in section
    # Again (a second tab): the service's 409, as a page.
    again = deputy.post(f"{url}documents/issue/")
    assert again.status_code == 409
    assert "already issued" in again.content.decode()


def test_the_host_sees_the_issued_conclusion_only(papers, web_client_for):
    issue_conclusion(papers.visit)
    issue_followup(papers.visit)
    section = _section(
        web_client_for("host_in").get(f"/visits/{papers.visit.pk}/").content.decode()
    )
    conclusion = Document.objects.get(kind=Document.Kind.CONCLUSION)
    assert conclusion.reference in section
    assert Document.objects.get(kind=Document.Kind.FOLLOWUP).reference not in section
    assert "followup.docx" not in section


def test_a_replaced_instrument_warns_on_the_page(papers, web_client_for):
    from checklists.services.legal_instruments import legal_instrument_add

    old, _ = legal_instrument_add(actor=None, citation="Quy định số 126-QĐ/TW ngày 28/02/2018")
    new, _ = legal_instrument_add(actor=None, citation="Quy định số 131-QĐ/TW ngày 28/10/2023")
    papers.visit.decision_instrument = old
    papers.visit.save(update_fields=["decision_instrument"])
    old.status, old.replaced_by = "replaced", new
    old.save()
    section = _section(web_client_for("lead").get(f"/visits/{papers.visit.pk}/").content.decode())
    assert 'role="note"' in section and "131-QĐ/TW" in section


def test_the_section_stays_small(papers, web_client_for):
    """The visit page with 300 items has a size budget: the block costs little."""
    issue_conclusion(papers.visit)
    issue_followup(papers.visit)
    section = _section(
        web_client_for("coordinator_in").get(f"/visits/{papers.visit.pk}/").content.decode()
    )
    assert len(section.encode()) < 2000, len(section.encode())


def test_the_programme_page_offers_the_draft_and_issues_once_approved(plan, web_client_for):
    url = f"/programmes/{plan.programme.pk}/"
    coordinator = web_client_for("coordinator_in")
    section = _section(coordinator.get(url).content.decode())
    assert f"/api/v1/programmes/{plan.programme.pk}/documents/programme.pdf" in section
    assert "documents/issue/" not in section
    refused = coordinator.post(f"{url}documents/issue/")
    assert refused.status_code == 409
    programme_approve(actor=None, programme=plan.programme)
    section = _section(coordinator.get(url).content.decode())
    assert "documents/issue/" in section
    assert web_client_for("coordinator_out").post(f"{url}documents/issue/").status_code == 404
    response = coordinator.post(f"{url}documents/issue/", follow=True)
    document = Document.objects.get(kind=Document.Kind.PROGRAMME)
    section = _section(response.content.decode())
    assert document.reference in section and "documents/issue/" not in section
    assert programme_document_offer(plan.people.lead_a, plan.programme).kinds == ()
