"""The coordinator's journey in a real browser: the overview narrowed to visits
with overdue deadlines, then the calendar, where the overdue deadline stands out
and leads to its visit. And the dashboard pages on a phone."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from checklists.models import CalendarFeed, Notification, Visit
from checklists.services.checklist import milestone_reschedule
from checklists.services.visits import SessionInput, visit_create
from tests.conftest import local

pytestmark = pytest.mark.browser

# Set WEB_SCREENSHOTS to a folder to keep pictures of each step (for a human look).
SCREENSHOTS = os.environ.get("WEB_SCREENSHOTS")


def _visit(world, *, days_ahead: int, title: str, code: str) -> Visit:
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    start = local(day.year, day.month, day.day, 8)
    return visit_create(
        actor=world.people.coordinator_in,
        outline=world.outline,
        host_unit=world.district,
        title=title,
        code=code,
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3), location="UBND")],
    )


def _working_days_ago(count: int) -> dt.date:
    day = timezone.localdate()
    while count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def test_the_coordinator_finds_an_overdue_deadline_and_opens_its_visit(
    page, world, sign_in, live_server
):
    """GIVEN a visit in the coordinator's province whose draft report was due three
    working days ago, and another with nothing overdue
    WHEN the coordinator narrows the overview to visits with overdue deadlines
    THEN the first is listed with its overdue count and the other is not; and on
    the calendar the overdue deadline is marked as such and opens its visit."""
    late = _visit(world, days_ahead=40, title="Kiểm tra tại Cẩm Phả", code="KT-CP")
    due = _working_days_ago(3)
    milestone_reschedule(
        actor=world.people.coordinator_in,
        milestone=late.milestones.get(key="draft_report_due"),
        due_date=due,
    )
    _visit(world, days_ahead=60, title="Kiểm tra tại Uông Bí", code="KT-UB")

    sign_in(page, world.people.coordinator_in)
    page.get_by_role("link", name="Overview").click()
    expect(page).to_have_url(re.compile(r"/visits/$"))
    expect(page.get_by_role("cell", name="KT-UB")).to_be_visible()

    page.get_by_label("Only visits with overdue deadlines").check()
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_role("cell", name="KT-UB")).to_have_count(0)
    row = page.locator("tr", has=page.get_by_role("cell", name="KT-CP"))
    expect(row.get_by_text("1 overdue")).to_be_visible()
    expect(page).to_have_url(re.compile(r"overdue=on"))
    _shot(page, "overview-1280.png")

    page.get_by_role("link", name="Calendar").click()
    expect(page.locator(".fc-dayGridMonth-view")).to_be_visible()
    if (due.year, due.month) != (timezone.localdate().year, timezone.localdate().month):
        page.locator(".fc-prev-button").click()
    deadline = page.locator("a.fc-event", has_text="Kiểm tra tại Cẩm Phả").filter(
        has_text="Overdue:"
    )
    expect(deadline).to_have_count(1)
    expect(deadline).to_have_attribute("data-state", "overdue")
    expect(deadline).to_contain_text("Đơn vị nộp dự thảo báo cáo")
    # In the cell of its own day.
    expect(page.locator(f'td[data-date="{due.isoformat()}"] a.fc-event.ev-overdue')).to_have_count(
        1
    )
    _shot(page, "calendar-1280.png")
    deadline.click()
    expect(page).to_have_url(re.compile(rf"/visits/{late.pk}/$"))
    expect(page.locator("main")).to_contain_text("Kiểm tra tại Cẩm Phả")


def test_the_calendar_shows_sessions_at_vietnam_time_in_the_week_view(
    browser, world, sign_in, live_server
):
    """A session at 08:00 in Hạ Long shows at 08:00 even to a browser set to
    another time zone, and the toolbar switches between week and month."""
    _visit(world, days_ahead=2, title="Kiểm tra tại Móng Cái", code="KT-MC")
    session_day = timezone.localdate() + dt.timedelta(days=2)
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    try:
        page = context.new_page()
        sign_in(page, world.people.coordinator_in)
        page.goto(f"{live_server.url}/calendar/?view=timeGridWeek&date={session_day.isoformat()}")
        expect(page.locator(".fc-timeGridWeek-view")).to_be_visible()
        session = page.locator("a.fc-event", has_text="Kiểm tra tại Móng Cái").filter(
            has=page.locator(".fc-event-time")
        )
        expect(session).to_have_count(1)
        expect(session.locator(".fc-event-time")).to_have_text(re.compile(r"^08:00"))
        _shot(page, "calendar-week-1280.png")
        page.get_by_role("button", name=re.compile("month", re.IGNORECASE)).click()
        expect(page.locator(".fc-dayGridMonth-view")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/deadlines/", "/visits/", "/calendar/"])
def test_the_dashboard_pages_fit_a_phone(page, world, sign_in, live_server, path):
    late = _visit(world, days_ahead=40, title="Kiểm tra tại Cẩm Phả " * 3, code="KT-CP-LONG")
    milestone_reschedule(
        actor=None,
        milestone=late.milestones.get(key="draft_report_due"),
        due_date=_working_days_ago(2),
    )
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, world.people.coordinator_in)
    page.goto(f"{live_server.url}{path}")
    if path == "/calendar/":
        expect(page.locator(".fc-listWeek-view, .fc-list")).to_be_visible()
    else:
        expect(page.get_by_text("KT-CP-LONG").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    _shot(page, f"phone{path.replace('/', '-')}.png".replace("-.png", ".png"))
    assert overflow <= 0


def test_a_member_reads_a_notification_and_subscribes_to_the_calendar(
    page, world, sign_in, live_server
):
    """Marking a notification read and creating, then revoking, a calendar
    subscription update their sections in place (htmx), without a reload."""
    Notification.objects.create(
        recipient=world.people.member, title="Draft report due in 3 days", visit=world.visit
    )
    sign_in(page, world.people.member)
    page.goto(f"{live_server.url}/deadlines/")
    notifications = page.locator("#notifications")
    expect(notifications).to_contain_text("1 unread")
    _shot(page, "deadlines-1280.png")
    notifications.get_by_role("button", name=re.compile("Mark read")).click()
    expect(notifications).to_contain_text("No unread notifications.")
    assert Notification.objects.get().read_at is not None

    page.get_by_role("link", name="Calendar").click()
    page.get_by_label("Name (optional)").fill("Outlook on my phone")
    page.get_by_role("button", name="Create a subscription address").click()
    address = page.get_by_label("Address (https)")
    expect(address).to_have_value(re.compile(r"^http://.+/calendar/.+\.ics$"))
    expect(page.get_by_role("link", name=re.compile("webcal"))).to_have_attribute(
        "href", re.compile(r"^webcal://")
    )
    expect(page.locator("#calendar-feeds table")).to_contain_text("Outlook on my phone")
    _shot(page, "calendar-feed-1280.png")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("Revoke")).click()
    expect(page.locator("#calendar-feeds")).to_contain_text("You have no subscriptions.")
    assert CalendarFeed.objects.get().revoked_at is not None


def test_the_calendar_asks_for_its_events_in_the_pages_language(
    browser, world, sign_in, live_server
):
    """A person who reads English, in a browser set to Vietnamese: the page is in
    English, and so are the events it fetches (not the browser's language)."""
    from checklists.services.checklist import milestone_add

    visit = _visit(world, days_ahead=2, title="Kiểm tra tại Cẩm Phả", code="KT-CP")
    milestone_add(
        actor=None, visit=visit, key="own-deadline", title="Hạn riêng của đợt",
        title_en="The visit's own deadline", due_date=timezone.localdate() + dt.timedelta(days=2),
        responsible="team",
    )  # fmt: skip
    world.people.coordinator_in.language = "en"
    world.people.coordinator_in.save(update_fields=["language"])
    context = browser.new_context(locale="vi-VN")
    try:
        page = context.new_page()
        sign_in(page, world.people.coordinator_in)
        page.goto(f"{live_server.url}/calendar/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("a.fc-event", has_text="The visit's own deadline")).to_have_count(1)
        expect(page.locator("a.fc-event", has_text="Hạn riêng của đợt")).to_have_count(0)
    finally:
        context.close()
