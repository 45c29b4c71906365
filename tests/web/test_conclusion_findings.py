"""The conclusion editor shows each outline section's checklist findings beside
its strengths and shortcomings (read-only, one query for all sections); the
issued conclusion and host contacts get no such panel."""

from __future__ import annotations

import re

import pytest

from checklists.models import Visit
from tests.web.test_conclusion_pages import client_for, issue, page_url

pytestmark = pytest.mark.django_db


def _give_findings(visit: Visit, count: int | None = None) -> list:
    """A finding (and an internal note, never shown) on `count` items (all: None)."""
    from checklists.models import ChecklistItem

    items = list(ChecklistItem.objects.filter(visit=visit).order_by("section_position", "position"))
    for item in items[:count]:
        ChecklistItem.objects.filter(pk=item.pk).update(
            finding=f"Phát hiện {item.section_number}.{item.number}",
            internal_note=f"Ghi chú nội bộ {item.pk}",
        )
    return items[:count]


def test_the_editor_shows_each_sections_findings_beside_it(outcome):
    """GIVEN findings on the checklist's items WHEN an editor opens the draft THEN
    each section's fieldset lists its own findings (read-only), and a section
    without any says so; internal notes stay out."""
    items = _give_findings(outcome.visit, 1)
    page = client_for(outcome, "secretary").get(page_url(outcome.visit)).content.decode()

    fieldsets = re.findall(r'<fieldset class="conclusion-section">(.*?)</fieldset>', page, re.S)
    first = items[0]
    assert len(fieldsets) >= 2
    with_finding = [f for f in fieldsets if f"Phát hiện {first.section_number}.{first.number}" in f]
    assert len(with_finding) == 1
    assert f'<legend id="section-1-legend">{first.section_number}.' in with_finding[0]
    assert "Checklist findings" in with_finding[0]
    assert with_finding[0].index("Phát hiện") < with_finding[0].index('name="section-')
    assert all("No findings in this section" in f for f in fieldsets if f not in with_finding)
    assert "Ghi chú nội bộ" not in page


def test_the_issued_conclusion_and_host_contacts_get_no_findings_panel(outcome):
    _give_findings(outcome.visit)
    issue(outcome)
    for role in ("lead", "host_in"):
        page = client_for(outcome, role).get(page_url(outcome.visit)).content.decode()
        assert "Checklist findings" not in page


def test_the_editor_costs_the_same_queries_however_many_findings(
    outcome, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(outcome, "lead")
    _give_findings(outcome.visit, 1)
    with CaptureQueriesContext(connection) as small:
        client.get(page_url(outcome.visit))
    _give_findings(outcome.visit)
    with django_assert_max_num_queries(len(small)):
        page = client.get(page_url(outcome.visit)).content.decode()
    assert page.count('class="finding-number"') > 2
