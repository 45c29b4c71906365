"""Fixtures for the web pages: a Django test client signed in as a role, and a
real headless Chromium (Debian's, see ../shared/TOOLING.md) driven by Playwright
against pytest-django's live server.

Browser tests are marked ``browser``; they need /usr/bin/chromium, which
`.ci/run` installs when it is missing.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make between browser steps are still plain synchronous calls. (Subprocesses that
# run Django's deploy checks drop it again: tests/test_deploy.py.)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "web-pass-1234"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)")
    # Without the background-networking flags Chromium tries the (closed) network
    # at start and stalls.
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": flags}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Asia/Ho_Chi_Minh"}


@pytest.fixture
def sign_in(live_server, settings):
    """sign_in(page, user) → the page, signed in through the log-in form, in English
    unless the person's language (or a later switch) says otherwise."""

    def go(page, user, *, password: str = PASSWORD):
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        page.goto(f"{live_server.url}/login/")
        page.get_by_label(re.compile("User name|Tên đăng nhập")).fill(user.username)
        page.get_by_label(re.compile("Password|Mật khẩu")).fill(password)
        page.get_by_role("button", name=re.compile("Sign in|Đăng nhập")).click()
        page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))
        return page

    return go
