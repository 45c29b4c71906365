"""The conclusion in a real browser: the team lead opens the draft from the visit
page, writes the summary, adds a recommendation (a plain submit: no script
needed) by keyboard, saves, and issues it; the issued page shows its number and
the recommendation open with its due date. axe-core checks the editor and the
issued page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from checklists.models import Conclusion
from tests.conclusion_world import to_reporting
from tests.web.demo_site import DESKTOP, DemoPage, opened
from tests.web.test_accessibility import AXE, _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_name(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.name") or ""


def tab_to_name(page, name: str, *, limit: int = 120) -> None:
    for _ in range(limit):
        if focused_name(page) == name:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached [name={name}]")


def test_the_lead_drafts_and_issues_a_conclusion(browser, live_server, page, sign_in, world):
    to_reporting(world.visit)
    lead = world.people.lead
    sign_in(page, lead)

    # The visit page offers the draft; it opens prefilled with the outline's sections.
    page.goto(f"{live_server.url}/visits/{world.visit.pk}/")
    page.get_by_role("button", name="Draft a conclusion").click()
    expect(page.get_by_role("heading", name=re.compile("^Conclusion"))).to_be_visible()
    expect(page.get_by_role("group", name="III. Mục III")).to_be_visible()

    # By keyboard: the summary, then "Add a recommendation" (Enter submits it).
    tab_to_name(page, "summary")
    page.keyboard.type("Ban Thường vụ đã lãnh đạo sát sao.")
    for _ in range(120):  # past the sections' fields to the button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "add-recommendation":
            break
    else:
        pytest.fail("Tab never reached the Add a recommendation button")
    page.keyboard.press("Enter")
    row = page.get_by_role("group", name="New recommendation (1)")
    expect(row).to_be_visible()
    expect(page.get_by_role("textbox", name="Summary")).to_have_value(
        "Ban Thường vụ đã lãnh đạo sát sao."
    )

    # The new row: text, addressee, a deadline in working days.
    tab_to_name(page, "rec-0-text")
    page.keyboard.type("Kiện toàn Ban Chỉ đạo 35")
    row.get_by_label("Addressed to").select_option(label="Hạ Long")
    row.get_by_label("Deadline counted in").select_option("working_days")
    row.get_by_label("Number of days").fill("20")
    page.locator("#save-conclusion").click()
    expect(page.get_by_text("The conclusion is saved.")).to_be_visible()
    expect(page.get_by_role("group", name="KN-01")).to_be_visible()

    # The editor, checked by axe-core (in a context of its own: the script is injected).
    assert AXE.exists(), "run `make vendor` (npm ci in web/) first"
    editor = DemoPage(
        "conclusion-draft", lead.username, f"/visits/{world.visit.pk}/conclusion/", DESKTOP
    )
    with opened(browser, live_server.url, editor, "en", bypass_csp=True) as checked:
        assert _violations(checked) == []

    # Issue it: signed by the lead, today.
    page.get_by_role("button", name="Issue", exact=True).click()
    expect(page.get_by_text(re.compile(r"Conclusion No\. 1-KL is issued\."))).to_be_visible()
    conclusion = Conclusion.objects.get(visit=world.visit, state="issued")
    recommendation = conclusion.recommendations.get()
    assert recommendation.state == "open" and recommendation.due_date is not None
    row = page.locator(f"#rec-{recommendation.pk}")
    expect(row).to_contain_text("Kiện toàn Ban Chỉ đạo 35")
    expect(row).to_contain_text("Open")
    expect(row.get_by_role("link", name="KN-01")).to_have_attribute(
        "href", f"/recommendations/{recommendation.pk}/"
    )
    world.visit.refresh_from_db()
    assert world.visit.status == "concluded"

    issued = DemoPage(
        "conclusion-issued", lead.username, f"/visits/{world.visit.pk}/conclusion/", DESKTOP
    )
    with opened(browser, live_server.url, issued, "vi", bypass_csp=True) as checked:
        assert _violations(checked) == []
