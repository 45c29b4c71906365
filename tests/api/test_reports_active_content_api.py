"""The API refuses uploads carrying active content, storing nothing (SPEC §14)."""

from __future__ import annotations

import pytest

from checklists.models.reports import ReportRevision
from tests.api.test_reports_api import post_file, stored_files
from tests.checklists.test_uploads_active_content import active_files, plain_files


@pytest.mark.parametrize("case", sorted(active_files()))
def test_it_refuses_active_content_with_400_and_stores_nothing(case, world, client_for, settings):
    name, content, _code = active_files()[case]

    response = post_file(client_for("host_in"), world.visit.pk, name, content)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    message = response.json()["errors"]["file"][0]
    assert "active content" in message
    assert "Save it again as a plain document" in message
    assert ReportRevision.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize("case", sorted(plain_files()))
def test_it_accepts_ordinary_documents_with_links(case, world, client_for, settings):
    content, content_type = plain_files()[case]

    response = post_file(client_for("host_in"), world.visit.pk, "bao-cao", content)

    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == content_type
    assert len(stored_files(settings)) == 1
