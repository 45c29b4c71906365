"""The units' own templates, below the doors: the samples a template is checked
against have exactly the fields the real documents fill, the documentation lists
every placeholder, and a real document that fails to fill is refused (409), never
a 500, with nothing issued."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from checklists.documents.samples import BLOCK_FIELDS, PLACEHOLDERS, ROW_FIELDS, sample_content
from checklists.documents.sources import (
    checklist_content,
    conclusion_content,
    followup_content,
    programme_content,
    visit_issuer,
)
from checklists.errors import Conflict
from checklists.models import Document, DocumentTemplate
from checklists.services.document_templates import document_template_upload
from tests.document_world import draft_bytes, issue_conclusion
from tests.documents_docx import open_docx, texts
from tests.template_files import template_docx

DOCS = Path(__file__).resolve().parents[2] / "docs" / "document-templates.md"


def test_the_samples_fill_the_fields_the_real_documents_fill(papers, plan):
    conclusion = papers.conclusion
    real = {
        "conclusion": conclusion_content(conclusion, draft=True),
        "checklist": checklist_content(papers.visit, team_copy=True),
        "programme": programme_content(
            plan.programme, number=None, issued_on=None, issued_by=None, draft=True
        ),
    }
    issued = issue_conclusion(papers.visit)
    real["followup"] = followup_content(
        papers.visit, issued, number=None, issued_on=None, issued_by=None, draft=True
    )
    for kind, content in real.items():
        sample = sample_content(kind, content.style)
        assert set(sample.context()) == set(content.context()) == set(PLACEHOLDERS)
        assert content.rows, kind
        assert set(content.rows[0]) == set(sample.rows[0]) == set(ROW_FIELDS[kind]), kind


def test_the_documentation_lists_every_placeholder():
    text = DOCS.read_text(encoding="utf-8")
    for name in PLACEHOLDERS:
        assert f"| `{name}` |" in text
    for name in BLOCK_FIELDS:
        assert f"| `block.{name}` |" in text
    for fields in ROW_FIELDS.values():
        for name in fields:
            assert f"| `row.{name}` |" in text


def test_a_real_document_that_does_not_fill_is_refused_and_nothing_is_issued(papers):
    issuer = visit_issuer(papers.visit)
    # Stored as it was, past the checks: a template the samples could not catch.
    template = DocumentTemplate(
        issuer=issuer, kind="conclusion", original_name="x.docx", size=1, sha256="0" * 64
    )
    template.file.save("x", ContentFile(template_docx("{{ rows[1].code[99] }}")), save=False)
    template.save()
    with pytest.raises(Conflict) as refused:
        draft_bytes(papers.visit, "conclusion")
    assert refused.value.code == "template_failed"
    with pytest.raises(Conflict):
        issue_conclusion(papers.visit)
    assert not Document.objects.exists()


def test_a_template_for_the_checklist_fills_the_notes_only_in_the_teams_copy(papers):
    issuer = visit_issuer(papers.visit)
    document_template_upload(
        actor=None,
        issuer=issuer,
        kind="checklist",
        upload=io.BytesIO(
            template_docx("{%p for row in rows %}", "[{{ row.note }}]", "{%p endfor %}")
        ),
        filename="ct.docx",
    )
    team = texts(open_docx(draft_bytes(papers.visit, "checklist", actor=papers.people.lead)))
    host = texts(open_docx(draft_bytes(papers.visit, "checklist", actor=papers.people.host_in)))
    assert "[Ghi chú nội bộ của Đoàn]" in team
    assert "[Ghi chú nội bộ của Đoàn]" not in host and "[]" in host
