"""The review loop in a real browser, told by its notifications (issue 12): the host
uploads revision 2 from the visit page; the team lead finds it among their
notifications, follows it to the revision page and sees the changed number marked
inside its paragraph; the lead comments, and the host, in Vietnamese, finds that
comment among theirs.

No Celery worker runs here: text extraction (and with it the comparison) is done
in-process, right after the upload commits.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from checklists.models import Notification
from checklists.services.reports import report_revision_extract_text, report_revision_upload
from tests.checklists.test_reports_uploads import docx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = ("I. Mục I", "Đảng bộ có 30 đảng bộ trực thuộc.", "III. Mục III", "Đã rà soát 188 hồ sơ.")
SECOND = ("I. Mục I", "Đảng bộ có 30 đảng bộ trực thuộc.", "III. Mục III", "Đã rà soát 190 hồ sơ.")


@pytest.fixture(autouse=True)
def _extract_text_in_process(monkeypatch):
    monkeypatch.setattr(
        "checklists.services.reports._enqueue_extraction",
        lambda revision_id: report_revision_extract_text(revision_id=revision_id),
    )


def test_the_loop_tells_each_side_and_the_lead_sees_the_changed_number(
    browser, live_server, sign_in, world, tmp_path, csp_watch
):
    host, lead = world.people.host_in, world.people.lead
    host.language = "vi"
    host.save(update_fields=["language"])
    report_revision_upload(
        actor=host, visit=world.visit, content=io.BytesIO(docx_bytes(*FIRST)), filename="r1.docx"
    )
    second = tmp_path / "du-thao-lan-2.docx"
    second.write_bytes(docx_bytes(*SECOND))

    # WHEN the host uploads revision 2 from the visit page (in Vietnamese)
    host_page = browser.new_context().new_page()
    sign_in(host_page, host)
    host_page.goto(f"{live_server.url}/visits/{world.visit.pk}/")
    host_page.locator("#report-file").set_input_files(str(second))
    host_page.locator("#upload-form button[type=submit]").click()
    expect(host_page.locator("table.revisions")).to_contain_text("du-thao-lan-2.docx")

    # THEN the lead finds it among their notifications and follows it
    lead_page = browser.new_context().new_page()
    sign_in(lead_page, lead)
    lead_page.goto(f"{live_server.url}/deadlines/")
    notification = lead_page.locator("#notifications li.notification-revision_uploaded").filter(
        has_text="revision 2"
    )
    expect(notification).to_have_count(1)
    notification.get_by_role("link").click()
    expect(lead_page).to_have_url(re.compile(rf"/visits/{world.visit.pk}/reports/\d+/"))

    # AND the comparison marks the changed number inside its paragraph
    row = lead_page.locator("#diff .comparison-row.op-replace").first
    expect(row.locator(".side.old del")).to_have_text("[deleted] 188")
    expect(row.locator(".side.new ins")).to_have_text("[inserted] 190")
    expect(row.locator(".side.new")).to_contain_text("Đã rà soát")

    # WHEN the lead comments on the revision
    comment_text = "Nêu rõ 190 hồ sơ gồm những loại nào."
    lead_page.locator("#comment-form textarea[name=text]").fill(comment_text)
    lead_page.locator("#comment-add").click()
    expect(lead_page.locator("#comment-list")).to_contain_text("190 hồ sơ gồm những loại nào")

    # THEN the host, in Vietnamese, finds the lead's comment among their notifications
    host_page.goto(f"{live_server.url}/deadlines/")
    comment = host_page.locator("#notifications li.notification-review")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text("góp ý")
    expect(comment).to_contain_text("190 hồ sơ gồm những loại nào")
    # … exactly once each, and never to the person who acted
    assert not Notification.objects.filter(recipient=host, kind="revision_uploaded").exists()
    assert not Notification.objects.filter(recipient=lead, kind="review").exists()
    assert Notification.objects.filter(recipient=lead, kind="revision_uploaded").count() == 2
    assert csp_watch.problems() == []
    host_page.context.close()
    lead_page.context.close()
