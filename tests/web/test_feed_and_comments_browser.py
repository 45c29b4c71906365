"""In a real browser, under the Content-Security-Policy (conftest's `csp_watch`):
the calendar subscription narrowed to a visit picked from the suggestions, with its
Copy button (and without JavaScript, the address alone); and a revision page's
counters following a comment resolved or added in place, without a reload. Each
state the tests reach is also checked by axe-core."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from checklists.models import CalendarFeed
from checklists.models.reports import ReviewComment
from checklists.services.reports import report_comment_add, report_revision_upload
from tests.checklists.test_reports_uploads import V1_DOCX
from tests.web.test_accessibility import AXE, _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _axe_problems(browser, base_url: str, user, path: str, steps=None) -> list[str]:
    """axe-core's serious and critical findings on `path`, after `steps(page)`, in
    a context of its own (axe is injected as a script: that context bypasses the
    CSP, which the tests' own pages keep)."""
    assert AXE.exists(), "run `make vendor` (npm ci in web/) first"
    client = Client()
    client.force_login(user)
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base_url},
        ]
    )
    try:
        page = context.new_page()
        page.goto(base_url + path)
        if steps:
            steps(page)
        return _violations(page)
    finally:
        context.close()


def _create_narrowed_feed(page) -> None:
    feeds = page.locator("#calendar-feeds")
    feeds.get_by_label("Name (optional)").fill("Lịch đợt Hạ Long")
    visit = feeds.get_by_label("Only this visit")
    # Typed, the field asks the page for suggestions (htmx) and says how many.
    visit.press_sequentially("hạ long", delay=20)
    expect(page.locator("#feed-visit-hint")).to_have_text("1 suggestion")
    expect(page.locator("#feed-visit-options option")).to_have_attribute("value", "KT-HL")
    visit.fill("KT-HL")
    feeds.get_by_role("button", name="Create a subscription address").click()
    expect(page.get_by_label("Address (https)")).to_have_value(re.compile(r"/calendar/.+\.ics$"))


def test_a_member_subscribes_to_one_visit_and_copies_the_address(
    page, browser, world, sign_in, live_server
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, world.people.member)
    page.goto(f"{live_server.url}/visits/{world.visit.pk}/")

    # The visit page leads to the form, filled with that visit.
    page.get_by_role("link", name="Subscribe to this visit's calendar").click()
    expect(page.locator("#feed-visit")).to_have_value("KT-HL")
    page.locator("#feed-visit").fill("")
    page.evaluate("window.notReloaded = true")

    _create_narrowed_feed(page)

    assert page.evaluate("window.notReloaded") is True
    feed = CalendarFeed.objects.get()
    assert feed.visit_id == world.visit.pk
    address = page.get_by_label("Address (https)").input_value()
    copy = page.get_by_role("button", name="Copy", exact=True)
    status = page.locator("#new-feed-copy-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text("")
    copy.focus()
    page.keyboard.press("Enter")  # by keyboard, like any button
    expect(status).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == address
    # The steps for each calendar program open and close.
    steps = page.locator("details", has_text="Google Calendar")
    steps.locator("summary").click()
    expect(steps.get_by_text("From URL")).to_be_visible()

    problems = _axe_problems(
        browser, live_server.url, world.people.member, "/calendar/", _create_narrowed_feed
    )
    assert not problems, problems


def test_without_javascript_the_address_is_there_to_select_and_no_copy_button(
    browser, world, live_server
):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    client = Client()
    client.force_login(world.people.member)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/calendar/")
        page.get_by_label("Only this host unit").fill("ha-long")
        page.get_by_role("button", name="Create a subscription address").click()

        address = page.get_by_label("Address (https)")
        expect(address).to_have_value(re.compile(r"/calendar/.+\.ics$"))
        expect(address).to_have_attribute("readonly", "")
        expect(page.get_by_role("button", name="Copy", exact=True)).to_be_hidden()
        expect(page.get_by_text("Select the address and copy it")).to_be_visible()
        assert CalendarFeed.objects.get().host_unit_id == world.district.pk
    finally:
        context.close()


def test_the_counters_follow_a_comment_resolved_or_added_without_a_reload(
    page, browser, world, sign_in, live_server
):
    revision = report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(V1_DOCX.read_bytes()),
        filename=V1_DOCX.name,
    )
    first = report_comment_add(actor=world.people.lead, revision=revision, text="Làm rõ mục II")
    report_comment_add(actor=world.people.lead, revision=revision, text="Bổ sung mục III")
    sign_in(page, world.people.lead)
    page.goto(f"{live_server.url}/visits/{world.visit.pk}/reports/{revision.pk}/")
    counts = page.locator(f"#revision-{revision.pk}-comment-counts")
    expect(counts).to_have_text("2 open · 2 awaiting an explanation")
    page.evaluate("window.notReloaded = true")

    # WHEN the lead resolves one comment inline
    page.locator(f"#comment-{first.pk}").get_by_role("button", name="Resolved").click()

    # THEN the counter follows at once
    expect(counts).to_have_text("1 open · 1 awaiting an explanation")
    assert ReviewComment.objects.get(pk=first.pk).state == "resolved"

    # WHEN the lead adds a comment in the one comment form
    form = page.locator("#comment-form")
    form.get_by_label("Comment").fill("Thiếu số liệu mục IV")
    form.get_by_role("button", name="Add comment").click()

    # THEN the comment is listed, the form is empty again and the counter follows
    expect(page.locator("li.comment", has_text="Thiếu số liệu mục IV")).to_be_visible()
    expect(page.locator("#comment-form")).to_contain_text("Your comment is added.")
    expect(page.locator("#comment-text")).to_have_value("")
    expect(counts).to_have_text("2 open · 2 awaiting an explanation")
    assert page.evaluate("window.notReloaded") is True

    def resolve_one(axe_page) -> None:
        open_one = axe_page.locator("li.comment-open").first
        open_one.get_by_role("button", name="Not accepted").click()
        expect(axe_page.locator(f"#revision-{revision.pk}-comment-counts")).to_contain_text(
            "1 open"
        )

    problems = _axe_problems(
        browser,
        live_server.url,
        world.people.lead,
        f"/visits/{world.visit.pk}/reports/{revision.pk}/",
        resolve_one,
    )
    assert not problems, problems
