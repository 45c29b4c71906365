"""A classified visit's mark on the pages (SPEC §14): the visit page, its revision
pages and its row of the overview carry it; an unclassified visit shows none."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.urls import reverse

from checklists.services.reports import report_revision_upload
from checklists.services.visits import visit_classify
from tests.checklists.test_reports_uploads import docx_bytes

pytestmark = pytest.mark.django_db

MARK = re.compile(r'<span class="badge badge-classified"[^>]*>([^<]*)</span>')


def _marks_in(text: str) -> list[str]:
    return [html.unescape(mark).strip() for mark in MARK.findall(text)]


def _marks(response) -> list[str]:
    assert response.status_code == 200
    return _marks_in(response.content.decode())


def _title(response) -> str:
    found = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert found
    return html.unescape(found.group(1)).strip()


def _row(text: str, visit) -> str:
    found = re.search(rf'<tr data-visit="{visit.pk}">(.*?)</tr>', text, re.S)
    assert found, visit
    return found.group(1)


@pytest.fixture
def revision(world):
    return report_revision_upload(
        actor=None,
        visit=world.visit,
        content=io.BytesIO(docx_bytes("I. Đặc điểm tình hình", "Nội dung.")),
        filename="bao-cao.docx",
    )


@pytest.mark.parametrize("role", ["coordinator_in", "lead", "member", "host_in"])
def test_it_shows_the_mark_on_the_visit_page_for_everyone_who_sees_it(world, web_client_for, role):
    visit_classify(actor=None, visit=world.visit, classification="secret")
    response = web_client_for(role).get(reverse("web:visit", kwargs={"visit_id": world.visit.pk}))
    assert _marks(response) == ["TỐI MẬT"]
    assert _title(response).startswith("[TỐI MẬT] Kiểm tra tại Hạ Long")


def test_it_shows_the_mark_on_a_revision_page(world, web_client_for, revision):
    visit_classify(actor=None, visit=world.visit, classification="top_secret")
    url = reverse("web:revision", kwargs={"visit_id": world.visit.pk, "revision_id": revision.pk})
    assert _marks(web_client_for("host_in").get(url)) == ["TUYỆT MẬT"]


def test_it_shows_the_mark_in_the_overview_row(world, web_client_for):
    visit_classify(actor=None, visit=world.visit, classification="confidential")
    response = web_client_for("coordinator_all").get(reverse("web:overview"))
    assert response.status_code == 200
    text = response.content.decode()
    assert _marks_in(_row(text, world.visit)) == ["MẬT"]
    assert _marks_in(_row(text, world.other_visit)) == []


def test_it_shows_no_mark_for_an_unclassified_visit(world, web_client_for, revision):
    client = web_client_for("lead")
    assert _marks(client.get(reverse("web:visit", kwargs={"visit_id": world.visit.pk}))) == []
    url = reverse("web:revision", kwargs={"visit_id": world.visit.pk, "revision_id": revision.pk})
    assert _marks(client.get(url)) == []
