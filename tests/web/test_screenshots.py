"""Every page, in Vietnamese and English, on the demo data: rendered in Chromium
and photographed.

`make screenshots` runs this with SCREENSHOTS_DIR=docs/screenshots, which the
README shows; in `make test` the pictures go to a temporary directory, and the
test still checks that each page answers in the language asked for.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from checklists.models import ReportRevision, User, Visit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A word of the navigation in each language, to show the page answered in it.
NAV_WORD = {"vi": "Lịch", "en": "Calendar"}


def _pages(visit: Visit, revision: ReportRevision) -> list[tuple[str, str | None, str, dict]]:
    """(name, who signs in, path, viewport) for every page of SPEC §9."""
    visit_path = reverse("web:visit", kwargs={"visit_id": visit.pk})
    # The demo's visit under way had its working session three days ago.
    session_day = timezone.localdate() - dt.timedelta(days=3)
    week = f"?view=timeGridWeek&date={session_day.isoformat()}"
    revision_path = reverse(
        "web:revision", kwargs={"visit_id": visit.pk, "revision_id": revision.pk}
    )
    return [
        ("login", None, reverse("web:login"), DESKTOP),
        ("deadlines", "truongdoan", reverse("web:deadlines"), DESKTOP),
        ("overview", "dieuphoi", reverse("web:overview"), DESKTOP),
        ("calendar-month", "dieuphoi", reverse("web:calendar"), DESKTOP),
        ("calendar-week", "dieuphoi", reverse("web:calendar") + week, DESKTOP),
        ("visit", "truongdoan", visit_path, DESKTOP),
        ("revision", "truongdoan", revision_path, DESKTOP),
        ("revision-host", "quangninh", revision_path, DESKTOP),
        ("deadlines-phone", "thanhvien", reverse("web:deadlines"), PHONE),
        ("visit-phone", "thanhvien", visit_path, PHONE),
    ]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)
    visit = Visit.objects.get(code="KT3-QN-2024")
    return visit, visit.report_revisions.order_by("-number").first()


def test_it_photographs_every_page_in_both_languages(browser, live_server, demo, tmp_path):
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    for name, username, path, viewport in _pages(*demo):
        for language in ("vi", "en"):
            context = browser.new_context(
                viewport=viewport, locale=language, timezone_id="Asia/Ho_Chi_Minh"
            )
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
            if username:
                _sign_in(context, live_server.url, User.objects.get(username=username))
            page = context.new_page()
            page.goto(live_server.url + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            if username:
                expect(page.get_by_role("navigation").first).to_contain_text(NAV_WORD[language])
            page.wait_for_load_state("networkidle")
            page.screenshot(path=out / f"{name}.{language}.png", full_page=True)
            context.close()
    assert len(list(out.glob("*.png"))) >= 20


def _sign_in(context, base_url: str, user: User) -> None:
    """A session cookie for the person, made the way Django's test client does."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )
