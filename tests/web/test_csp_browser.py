"""The API docs and the admin in a real browser under the Content-Security-Policy:
they render and work with no violation and no request to another host (the
`csp_watch` fixture of conftest.py fails the test otherwise)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_it_renders_swagger_ui_from_its_own_files(page, live_server, csp_watch):
    response = page.goto(f"{live_server.url}/api/v1/docs/")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Inspection tracker API", timeout=30_000
    )
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/visits/").first).to_be_visible()
    # Operations open and show their parameters: the UI runs, not just its HTML.
    page.locator(".opblock-summary-path", has_text="/api/v1/visits/").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert csp_watch.problems() == []


def test_it_renders_redoc_from_its_own_files(page, live_server, csp_watch):
    # ReDoc 2 always shows Redocly's logo from their CDN, whatever its settings; the
    # policy blocks it (the image then hides itself) and nothing leaves the browser.
    csp_watch.tolerate(REDOCLY_LOGO)
    page.goto(f"{live_server.url}/api/v1/redoc/")

    # ReDoc parses the whole schema before it shows anything: slow on a busy machine.
    expect(page.locator(".api-info h1")).to_contain_text("Inspection tracker API", timeout=30_000)
    expect(page.get_by_text("/api/v1/visits/").first).to_be_attached()
    page.wait_for_load_state("networkidle")
    assert csp_watch.problems() == []
    # Chromium names the reason "csp": refused before any connection was made.
    assert csp_watch.refused.get(REDOCLY_LOGO) == "csp", csp_watch.refused


def test_it_lets_a_coordinator_work_in_the_admin_under_the_policy(
    page, live_server, world, csp_watch
):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    admin.set_password("admin-pass-1234")
    admin.save(update_fields=["password"])

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label(re.compile("Username|Tên đăng nhập", re.I)).fill("root")
    page.get_by_label(re.compile("Password|Mật khẩu", re.I)).fill("admin-pass-1234")
    page.get_by_role("button", name=re.compile("Log in|Đăng nhập", re.I)).click()
    response = page.goto(f"{live_server.url}/admin/checklists/visit/{world.visit.pk}/change/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#content-main form")).to_be_visible()
    # The admin's own scripts run: the navigation sidebar toggles.
    page.locator("#toggle-nav-sidebar").click()
    expect(page.locator("#nav-sidebar")).to_be_hidden()
    page.wait_for_load_state("networkidle")
    assert csp_watch.problems() == []


def test_it_refuses_an_injected_inline_script_and_the_watch_sees_it(page, live_server, csp_watch):
    """The watch itself: markup slipped into a page cannot run, and the test would
    have failed on it."""
    page.goto(f"{live_server.url}/login/")
    page.evaluate(
        """() => {
          document.body.insertAdjacentHTML("beforeend", '<img src="/none" onerror="window.ran = 1">');
          const script = document.createElement("script");
          script.textContent = "window.ran = 2";
          document.body.append(script);
        }"""
    )
    page.wait_for_timeout(500)

    assert page.evaluate("window.ran") is None
    assert any("script-src" in v for v in csp_watch.violations), csp_watch.violations
    csp_watch.violations.clear()
