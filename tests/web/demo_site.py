"""Every page of SPEC §9 on the demo data (`seed_demo`), as each kind of person
sees it, for the tests that look at all of them: screenshots and accessibility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checklists.demo.conclusion_draft import DRAFT_VISIT_CODE
from checklists.demo.programme import PROGRAMME_CODE
from checklists.models import Programme, User, Visit

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class DemoPage:
    name: str
    username: str | None  # who signs in; None: nobody
    path: str
    viewport: dict


def seed_demo_pages() -> list[DemoPage]:
    call_command("seed_demo", verbosity=0)
    visit = Visit.objects.get(code="KT3-QN-2024")
    revision = visit.report_revisions.order_by("-number").first()
    visit_path = reverse("web:visit", kwargs={"visit_id": visit.pk})
    revision_path = reverse(
        "web:revision", kwargs={"visit_id": visit.pk, "revision_id": revision.pk}
    )
    conclusion_path = reverse("web:conclusion", kwargs={"visit_id": visit.pk})
    draft = Visit.objects.get(code=DRAFT_VISIT_CODE)
    draft_path = reverse("web:conclusion", kwargs={"visit_id": draft.pk})
    recommendations_path = reverse("web:recommendations")
    # KN-01, overdue, with the host's report form; KN-02, reported with a PNG,
    # with the team's verdict form.
    codes = dict(visit.recommendations.values_list("code", "pk"))
    open_path, reported_path = (
        reverse("web:recommendation", kwargs={"recommendation_id": codes[code]})
        for code in ("KN-01", "KN-02")
    )
    # The demo's visit under way had its working session three days ago.
    session_day = timezone.localdate() - dt.timedelta(days=3)
    week = f"?view=timeGridWeek&date={session_day.isoformat()}"
    programme = Programme.objects.get(code=PROGRAMME_CODE)
    return [
        DemoPage("login", None, reverse("web:login"), DESKTOP),
        DemoPage("deadlines", "truongdoan", reverse("web:deadlines"), DESKTOP),
        DemoPage("overview", "dieuphoi", reverse("web:overview"), DESKTOP),
        DemoPage("calendar-month", "dieuphoi", reverse("web:calendar"), DESKTOP),
        DemoPage("calendar-week", "dieuphoi", reverse("web:calendar") + week, DESKTOP),
        DemoPage("visit", "truongdoan", visit_path, DESKTOP),
        DemoPage("revision", "truongdoan", revision_path, DESKTOP),
        DemoPage("revision-host", "quangninh", revision_path, DESKTOP),
        DemoPage("conclusion", "truongdoan", conclusion_path, DESKTOP),
        DemoPage("conclusion-host", "quangninh", conclusion_path, DESKTOP),
        DemoPage("conclusion-draft", "phodoan", draft_path, DESKTOP),
        DemoPage("recommendations", "dieuphoi", recommendations_path, DESKTOP),
        DemoPage("coverage", "dieuphoi", reverse("web:coverage"), DESKTOP),
        DemoPage("programmes", "dieuphoi", reverse("web:programmes"), DESKTOP),
        DemoPage("programme", "dieuphoi", reverse("web:programme", args=[programme.pk]), DESKTOP),
        DemoPage("recommendation", "truongdoan", reported_path, DESKTOP),
        DemoPage("recommendation-host", "quangninh", open_path, DESKTOP),
        DemoPage("deadlines-phone", "thanhvien", reverse("web:deadlines"), PHONE),
        DemoPage("recommendations-phone", "thanhvien", recommendations_path, PHONE),
        DemoPage("visit-phone", "thanhvien", visit_path, PHONE),
    ]


@contextmanager
def opened(
    browser, base_url: str, demo_page: DemoPage, language: str, *, bypass_csp: bool = False
) -> Iterator:
    """A fresh browser context in `language`, signed in as the page's person, on
    the page once it has settled. `bypass_csp` lets a test inject its own script
    (axe-core); such a context is not watched for CSP violations (conftest)."""
    context = browser.new_context(
        viewport=demo_page.viewport,
        locale=language,
        timezone_id="Asia/Ho_Chi_Minh",
        bypass_csp=bypass_csp,
    )
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    if demo_page.username:
        client = Client()
        client.force_login(User.objects.get(username=demo_page.username))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url})
    context.add_cookies(cookies)
    try:
        page = context.new_page()
        page.goto(base_url + demo_page.path)
        page.wait_for_load_state("networkidle")
        yield page
    finally:
        context.close()
