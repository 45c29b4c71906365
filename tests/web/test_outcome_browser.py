"""The whole outcome of a visit in a real browser (issue 13): the lead drafts and
issues the conclusion with a recommendation to the host unit; the host contact
follows their notification from "My deadlines" to the recommendation and reports
with an evidence file; the lead returns the report with a note; the host reports
again; the lead accepts and the recommendation is done. The coordinator then
finds another, overdue, recommendation in the roll-up, marked in colour and in
words. Every context is watched for CSP violations (conftest); axe-core checks
the recommendation page as the host contact and as the lead."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from checklists.models import ImplementationReport, Recommendation
from checklists.services.conclusions import conclusion_issue
from checklists.services.visits import SessionInput, TeamInput, visit_create
from tests.conclusion_world import draft, rec, to_reporting
from tests.conftest import local
from tests.web.demo_site import DESKTOP, DemoPage, opened
from tests.web.test_accessibility import AXE, _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERDUE_TEXT = "Trình báo cáo tổng kết công tác năm trước"


def png_evidence() -> dict:
    """A small photo of a signed page, as Playwright hands a file to an input."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (240, 240, 230)).save(buffer, format="PNG")
    return {"name": "bien-ban-kien-toan.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def an_overdue_recommendation(world) -> Recommendation:
    """An earlier visit to the same district, concluded in June 2023 through the
    services with a recommendation due 30 days later: long overdue today."""
    start = local(2023, 5, 15, 8)
    earlier = visit_create(
        actor=world.people.coordinator_in,
        outline=world.outline,
        host_unit=world.district,
        title="Kiểm tra năm 2023 tại Hạ Long",
        code="KT-HL-2023",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
        team=[TeamInput(world.people.deputy, "lead")],
    )
    to_reporting(earlier)
    draft(earlier, rec(world.district, OVERDUE_TEXT, offset_days=30))
    conclusion_issue(actor=None, visit=earlier, issued_on=dt.date(2023, 6, 20))
    overdue = Recommendation.objects.get(visit=earlier)
    assert overdue.state == "open" and overdue.due_date < dt.date.today()
    return overdue


def draft_and_issue(page, base_url: str, world) -> Recommendation:
    page.goto(f"{base_url}/visits/{world.visit.pk}/")
    page.get_by_role("button", name="Draft a conclusion").click()
    expect(page.get_by_role("heading", name=re.compile("^Conclusion"))).to_be_visible()
    page.get_by_role("textbox", name="Summary").fill(
        "Ban Thường vụ đã lãnh đạo sát sao; còn hạn chế."
    )
    page.locator("#add-recommendation").click()
    row = page.get_by_role("group", name="New recommendation (1)")
    row.get_by_role("textbox", name="Recommendation").fill("Kiện toàn Ban Chỉ đạo 35 của huyện")
    row.get_by_label("Addressed to").select_option(label="Hạ Long")
    row.get_by_label("Deadline counted in").select_option("days")
    row.get_by_label("Number of days").fill("30")
    page.locator("#save-conclusion").click()
    expect(page.get_by_text("The conclusion is saved.")).to_be_visible()
    page.get_by_role("button", name="Issue", exact=True).click()
    expect(page.get_by_text(re.compile(r"Conclusion No\. .+ is issued\."))).to_be_visible()
    recommendation = Recommendation.objects.get(visit=world.visit)
    assert recommendation.state == "open" and recommendation.addressee_id == world.district.pk
    return recommendation


def report(page, text: str, progress: str, files: list[dict] | None = None) -> None:
    form = page.locator("#report-form")
    form.get_by_label("What has been done").fill(text)
    form.get_by_label("Progress (%)").fill(progress)
    if files:
        form.get_by_label("Evidence files").set_input_files(files)
    form.get_by_role("button", name="Send the report").click()
    expect(page.locator("#follow-up-status")).to_contain_text("Your report is sent to the team.")
    expect(page.locator("#report-form")).to_have_count(0)


@pytest.fixture
def another_page(browser):
    """another_page() → a page in a browser context of its own (another person),
    closed after the test: an open keep-alive connection would keep the live
    server's thread, and its database connection, alive past the test."""
    contexts = []

    def open_page():
        context = browser.new_context()
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def give_verdict(page, choice: str, note: str = "") -> None:
    form = page.locator("#verdict-form")
    form.get_by_label(choice).check()
    if note:
        form.get_by_label("Note").fill(note)
    form.get_by_role("button", name="Give the verdict").click()


def test_the_outcome_from_the_draft_to_the_done_recommendation(
    browser, live_server, page, sign_in, world, another_page
):
    """GIVEN a visit reporting and an earlier visit's overdue recommendation
    WHEN the lead issues, the host reports, the lead returns, the host reports
    again and the lead accepts THEN the recommendation is done, with both reports
    and the evidence file on its page; and the coordinator's overdue filter finds
    the earlier one marked in colour and in words."""
    to_reporting(world.visit)
    overdue = an_overdue_recommendation(world)
    base = live_server.url
    lead, host = world.people.lead, world.people.host_in

    # 1. The lead drafts and issues the conclusion.
    sign_in(page, lead)
    recommendation = draft_and_issue(page, base, world)
    rec_path = f"/recommendations/{recommendation.pk}/"

    # 2. The host contact: from the notification on "My deadlines" to the
    #    recommendation, through the visit and its conclusion.
    host_page = another_page()
    sign_in(host_page, host)
    host_page.goto(f"{base}/deadlines/")
    notifications = host_page.locator("#notifications")
    notifications.get_by_role("link", name="Conclusion issued: KT-HL", exact=True).click()
    host_page.get_by_role("link", name="Read the conclusion").click()
    host_page.locator(f"#rec-{recommendation.pk}").get_by_role("link", name="KN-01").click()
    expect(host_page).to_have_url(f"{base}{rec_path}")
    expect(host_page.get_by_role("heading", name="Recommendation KN-01")).to_be_visible()
    report(host_page, "Đã kiện toàn Ban Chỉ đạo 35; gửi kèm biên bản.", "60", [png_evidence()])
    expect(host_page.locator("#follow-up")).to_contain_text("bien-ban-kien-toan.png")
    expect(host_page.locator("#follow-up")).to_contain_text(
        "The latest report is waiting for the team's verdict."
    )
    first = ImplementationReport.objects.get(recommendation=recommendation)
    assert first.files.get().content_type == "image/png"

    # axe-core on the recommendation page, as the host contact (a report waiting).
    assert AXE.exists(), "run `make vendor` (npm ci in web/) first"
    as_host = DemoPage("recommendation-host", host.username, rec_path, DESKTOP)
    with opened(browser, base, as_host, "vi", bypass_csp=True) as checked:
        assert _violations(checked) == []

    # 3. The lead, from their notification, returns the report with a note.
    page.goto(f"{base}/deadlines/")
    page.locator("#notifications").get_by_role("link", name=re.compile("KN-01")).first.click()
    expect(page).to_have_url(f"{base}{rec_path}")
    evidence = page.get_by_role("link", name="bien-ban-kien-toan.png")
    expect(evidence).to_have_attribute("href", re.compile(rf"^{rec_path}reports/{first.pk}/"))
    as_lead = DemoPage("recommendation", lead.username, rec_path, DESKTOP)
    with opened(browser, base, as_lead, "en", bypass_csp=True) as checked:
        assert _violations(checked) == []
    give_verdict(page, "Return it, saying what is missing", "Thiếu quyết định kiện toàn.")
    expect(page.locator("#follow-up-status")).to_contain_text("returned to the unit")
    recommendation.refresh_from_db()
    assert recommendation.state == "open"

    # 4. The host sees the note and reports again.
    host_page.reload()
    expect(host_page.locator(f"#report-{first.pk}")).to_contain_text("Thiếu quyết định kiện toàn.")
    report(host_page, "Gửi bổ sung Quyết định kiện toàn Ban Chỉ đạo 35.", "100")

    # 5. The lead accepts: the recommendation is done.
    page.reload()
    give_verdict(page, "Accept: the recommendation is done")
    expect(page.locator("#follow-up-status")).to_contain_text("the recommendation is done")
    page.reload()
    expect(page.locator(".facts")).to_contain_text("Done")
    expect(page.locator(".implementation-reports > li")).to_have_count(2)
    recommendation.refresh_from_db()
    assert recommendation.state == "done" and recommendation.progress == 100
    assert list(recommendation.reports.order_by("id").values_list("verdict", flat=True)) == [
        "returned",
        "accepted",
    ]

    # 6. The coordinator's roll-up: only overdue, the earlier visit's one marked.
    coordinator_page = another_page()
    sign_in(coordinator_page, world.people.coordinator_in)
    coordinator_page.goto(f"{base}/recommendations/")
    coordinator_page.get_by_label("Only overdue recommendations").check()
    coordinator_page.get_by_role("button", name="Filter", exact=True).click()
    expect(coordinator_page.locator("#recommendation-count")).to_have_text("1 recommendation")
    row = coordinator_page.locator(f"#rec-{overdue.pk}")
    expect(row).to_contain_text(OVERDUE_TEXT)
    expect(row).to_contain_text("Overdue")
    expect(row).to_have_class(re.compile(r"\brec-overdue\b"))
    bar = row.locator("> :first-child").evaluate("cell => getComputedStyle(cell).boxShadow")
    assert "185, 28, 28" in bar  # the red bar beside the words
    expect(coordinator_page.locator(f"#rec-{recommendation.pk}")).to_have_count(0)
