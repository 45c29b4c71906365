"""The visit page in a real browser: a host contact uploading a draft report and
answering the team's comments, and a team member working through the checklist
and reviewing a revision.

No Celery worker runs here: text extraction is done in-process, right after the
upload commits, by pointing the service's enqueue step at the extraction service.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from playwright.sync_api import expect

from checklists.models import ChecklistItem
from checklists.models.reports import ReportRevision, ReviewComment
from checklists.services.reports import (
    CommentInput,
    report_revision_extract_text,
    report_revision_review,
    report_revision_upload,
)
from tests.checklists.test_reports_uploads import V1_DOCX, V2_DOCX

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("WEB_SCREENSHOTS")  # a folder: save screenshots there to look at


@pytest.fixture(autouse=True)
def _extract_text_in_process(monkeypatch):
    monkeypatch.setattr(
        "checklists.services.reports._enqueue_extraction",
        lambda revision_id: report_revision_extract_text(revision_id=revision_id),
    )


def shoot(page, name: str) -> None:
    """Check the page fits a phone (no sideways scroll outside .table-scroll) and,
    with WEB_SCREENSHOTS set, photograph it at 1280 and 390 pixels wide."""
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if SHOTS:
        height = page.evaluate("document.documentElement.scrollHeight")
        for part, top in enumerate(range(0, height, 1400)):
            clip = {"x": 0, "y": top, "width": 390, "height": min(1400, height - top)}
            page.screenshot(path=f"{SHOTS}/{name}-390-{part}.png", full_page=True, clip=clip)
    page.set_viewport_size({"width": 1280, "height": 720})


def upload_as_host(world, path=V1_DOCX) -> ReportRevision:
    return report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(path.read_bytes()),
        filename=path.name,
    )


def test_host_uploads_a_revision_and_answers_the_teams_comment(page, world, sign_in, live_server):
    sign_in(page, world.people.host_in)
    page.goto(f"{live_server.url}/visits/{world.visit.pk}/")
    expect(page.get_by_role("heading", name=world.visit.title)).to_be_visible()
    page.evaluate(
        "window.uploadProgress = [];"
        "document.addEventListener('htmx:xhr:progress', e => window.uploadProgress.push(e.detail.loaded));"
    )

    # WHEN the host uploads the first revision
    page.get_by_label("Draft report file").set_input_files(str(V1_DOCX))
    page.get_by_role("button", name="Upload").click()

    # THEN it is listed, with its progress reported on the way
    expect(page.get_by_text("Revision 1 (thanh-binh-draft-v1.docx) is uploaded.")).to_be_visible()
    revisions = page.locator("table.revisions")
    expect(revisions.get_by_role("link", name="Revision 1")).to_be_visible()
    expect(revisions.get_by_text("Ready")).to_be_visible()  # extracted in-process
    assert page.evaluate("window.uploadProgress.length") > 0
    revision = ReportRevision.objects.get(visit=world.visit)
    assert revision.uploaded_by == world.people.host_in

    # AND the same file again is refused beside the field, naming the revision
    page.get_by_label("Draft report file").set_input_files(str(V1_DOCX))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#report-file-error")).to_contain_text("identical to revision 1")
    expect(page.get_by_label("Draft report file")).to_have_attribute("aria-invalid", "true")
    shoot(page, "visit-host")

    # GIVEN the team asked for changes
    report_revision_review(
        actor=world.people.lead,
        revision=revision,
        decision="request_changes",
        comments=[CommentInput(text="Bổ sung số liệu phát triển đảng viên", section="III")],
    )

    # WHEN the host opens the revision and answers the comment
    page.goto(f"{live_server.url}/visits/{world.visit.pk}/")
    page.locator("table.revisions").get_by_role("link", name="Revision 1").click()
    expect(page.get_by_role("heading", name="Draft report, revision 1")).to_be_visible()
    comment = page.locator("li.comment").filter(has_text="Bổ sung số liệu phát triển đảng viên")
    expect(comment).to_contain_text("III. Mục III")
    comment.get_by_label("Your explanation").fill("Đã bổ sung 470 đảng viên mới tại mục III.")
    comment.get_by_role("button", name="Save explanation").click()

    # THEN the explanation is shown and stored
    expect(comment.get_by_text("Your explanation is saved.")).to_be_visible()
    expect(comment.locator(".comment-response")).to_contain_text("470 đảng viên")
    stored = ReviewComment.objects.get(revision=revision)
    assert stored.response == "Đã bổ sung 470 đảng viên mới tại mục III."
    assert stored.responded_by == world.people.host_in
    shoot(page, "revision-host")


def test_team_member_works_the_checklist_and_reviews_a_revision(page, world, sign_in, live_server):
    upload_as_host(world, V1_DOCX)
    upload_as_host(world, V2_DOCX)
    sign_in(page, world.people.member)
    page.goto(f"{live_server.url}/visits/{world.visit.pk}/")
    progress = page.locator("#checklist-progress")
    expect(progress).to_contain_text("0 of 17 done")
    page.evaluate("window.notReloaded = true")
    first, second = world.visit.checklist.order_by("section_position", "position")[:2]

    # WHEN the member ticks two items done
    page.locator(f"#item-{first.pk}-status").select_option("done")
    expect(progress).to_contain_text("1 of 17 done")
    page.locator(f"#item-{second.pk}-status").select_option("not_applicable")

    # THEN the progress bar follows without a reload
    expect(progress).to_contain_text("2 of 17 done")
    expect(progress.locator("progress")).to_have_attribute("value", "2")
    assert page.evaluate("window.notReloaded") is True

    # WHEN the member changes an answer
    answer = page.locator(f"#item-{first.pk}-answer")
    answer.fill("Đã rà soát hồ sơ")
    answer.press("Tab")
    # (the row comes back with the next version: the answer is saved)
    expect(page.locator(f"#item-{first.pk} input[name=row_version]")).to_have_value("3")
    expect(page.locator(f"#item-{first.pk}")).to_contain_text("Saved")
    assert ChecklistItem.objects.get(pk=first.pk).answer == "Đã rà soát hồ sơ"
    assert ChecklistItem.objects.get(pk=first.pk).status == "done"
    shoot(page, "visit-member")

    # WHEN the member opens the latest revision
    page.locator("table.revisions").get_by_role("link", name="Revision 2").click()
    expect(page.get_by_role("heading", name="Draft report, revision 2")).to_be_visible()
    expect(page.locator("#coverage")).to_contain_text("outline sections covered")
    expect(page.locator("#diff .side.new ins").first).to_be_visible()

    # AND requests changes with a comment on section IV, written in the one comment form
    page.locator("#comment-section").select_option(label="IV. Mục IV")
    page.locator("#comment-text").fill("Mục IV còn thiếu nguyên nhân của hạn chế.")
    page.get_by_role("button", name="Request changes").click()

    # THEN the review and its comment are shown
    expect(
        page.get_by_text("Your review of revision 2 is recorded: Request changes.")
    ).to_be_visible()
    comment = page.locator("li.comment").filter(has_text="Mục IV còn thiếu nguyên nhân")
    expect(comment).to_contain_text("IV. Mục IV")
    expect(page.locator(".facts")).to_contain_text("Changes requested")
    revision = ReportRevision.objects.get(visit=world.visit, number=2)
    assert revision.state == "changes_requested"
    assert revision.comments.get().section.number == "IV"
    shoot(page, "revision-member")

    # AND marks the comment resolved inline
    comment.get_by_role("button", name="Resolved").click()
    expect(comment.get_by_text(re.compile("marked resolved"))).to_be_visible()
    assert revision.comments.get().state == "resolved"
