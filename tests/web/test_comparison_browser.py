"""A revision's changes in a real browser, under the Content-Security-Policy: before
and after side by side on a wide screen, one inline column on a phone (the CSS's
grid and media query; no script), and the list of changed sections leading to them."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from checklists.services.reports import report_revision_extract_text, report_revision_upload
from tests.checklists.test_reports_uploads import docx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def compared(world, monkeypatch):
    """Revisions 1 and 2 of the world's visit, texts extracted (and so compared)
    here: no worker takes part."""
    monkeypatch.setattr("checklists.services.reports._enqueue_extraction", lambda pk: None)
    versions = [
        ("I. Mục I", "Đảng bộ có 30 đảng bộ trực thuộc.", "III. Mục III", "Đã rà soát 188 hồ sơ."),
        ("I. Mục I", "Đảng bộ có 30 đảng bộ trực thuộc.", "III. Mục III", "Đã rà soát 190 hồ sơ."),
    ]
    revisions = []
    for number, paragraphs in enumerate(versions, start=1):
        revision = report_revision_upload(
            actor=world.people.host_in,
            visit=world.visit,
            content=io.BytesIO(docx_bytes(*paragraphs)),
            filename=f"r{number}.docx",
        )
        report_revision_extract_text(revision_id=revision.pk)
        revisions.append(revision)
    return revisions[-1]


def _open(page, live_server, sign_in, world, revision, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, world.people.lead)
    page.goto(f"{live_server.url}/visits/{world.visit.pk}/reports/{revision.pk}/")
    return page.locator("#diff")


def test_it_shows_the_changes_side_by_side_on_a_wide_screen(
    page, live_server, sign_in, world, compared, csp_watch
):
    diff = _open(page, live_server, sign_in, world, compared, WIDE)

    row = diff.locator(".comparison-row.op-replace").first
    expect(row.locator(".side.old del")).to_have_text("[deleted] 188")
    expect(row.locator(".side.new ins")).to_have_text("[inserted] 190")
    expect(row.locator(".side.new")).to_be_visible()
    expect(row.locator(".inline")).to_be_hidden()
    old_box, new_box = (
        row.locator(".side.old").bounding_box(),
        row.locator(".side.new").bounding_box(),
    )
    assert new_box["x"] > old_box["x"] + old_box["width"] - 1  # side by side
    assert abs(new_box["y"] - old_box["y"]) < 2
    expect(diff.locator(".comparison-counts")).to_contain_text("1 word inserted")

    diff.locator(".comparison-toc").get_by_role("link", name="III. Mục III").click()
    expect(page).to_have_url(re.compile("#change-III$"))
    expect(page.get_by_role("heading", name="III. Mục III")).to_be_in_viewport()
    assert csp_watch.problems() == []


def test_it_shows_the_changes_inline_on_a_phone(
    page, live_server, sign_in, world, compared, csp_watch
):
    diff = _open(page, live_server, sign_in, world, compared, PHONE)

    row = diff.locator(".comparison-row.op-replace").first
    expect(row.locator(".inline")).to_be_visible()
    expect(row.locator(".side.old")).to_be_hidden()
    expect(row.locator(".side.new")).to_be_hidden()
    expect(row.locator(".inline")).to_have_text(
        "Đã rà soát [deleted] 188 [inserted] 190 hồ sơ.", use_inner_text=False
    )
    assert csp_watch.problems() == []
