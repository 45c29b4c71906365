"""Fixtures for the web pages: a Django test client signed in as a role, and a
real headless Chromium (Debian's, see ../shared/TOOLING.md) driven by Playwright
against pytest-django's live server.

Browser tests are marked ``browser``; they need /usr/bin/chromium, which
`.ci/run` installs when it is missing. Every browser context they open is watched
(`csp_watch`): a Content-Security-Policy violation or a request to another host
fails the test. Only a context opened with ``bypass_csp=True`` (the axe-core checks,
which inject a script) goes unwatched.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from urllib.parse import urlsplit

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


# Runs before any page script (Playwright evaluates init scripts outside the page's
# CSP) and reports each violation the browser raises, with where it came from.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}` +
    ` in ${event.sourceFile || document.location.href}:${event.lineNumber}`
  );
});
"""
# The live server; anything else a page asks for comes from another site.
_OWN_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


@dataclass
class CspWatch:
    """What the watched browser contexts of one test saw go wrong."""

    violations: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    # Requests that failed, with the reason (Chromium says "csp" for one the policy refused).
    refused: dict[str, str] = field(default_factory=dict)
    tolerated: set[str] = field(default_factory=set)

    def tolerate(self, url: str) -> None:
        """Accepts a violation caused by `url`, which the policy must have blocked:
        for third-party code that asks for it whatever its settings."""
        self.tolerated.add(url)

    def attach(self, context) -> None:
        context.expose_function("__cspViolation", self._on_violation)
        context.add_init_script(_REPORT_VIOLATIONS)
        # The console catches what the event does not (a violation in a worker,
        # or before the listener exists).
        context.on("console", self._on_console)
        context.on("request", self._on_request)
        context.on("requestfailed", self._on_request_failed)

    def _on_violation(self, report: str) -> None:
        self.violations.append(report)

    def _on_console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append(f"console: {message.text}")

    def _on_request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.hostname not in _OWN_HOSTS:
            self.foreign_requests.append(request.url)

    def _on_request_failed(self, request) -> None:
        self.refused[request.url] = request.failure or ""

    def problems(self) -> list[str]:
        found = [
            *(f"CSP violation: {v}" for v in self.violations),
            *(f"request to another host: {u}" for u in self.foreign_requests),
        ]
        unblocked = [
            f"tolerated request not blocked by the CSP: {url} ({self.refused.get(url)})"
            for url in self.tolerated
            if url in self.foreign_requests and "csp" not in self.refused.get(url, "").lower()
        ]
        return [p for p in found if not any(url in p for url in self.tolerated)] + unblocked


@pytest.fixture(autouse=True)
def csp_watch(request, monkeypatch):
    """Watches every browser context a browser test opens, through the pytest-
    playwright fixtures (`page`, `context`, `new_context`) or `browser.new_context`
    itself, and fails the test on a CSP violation or a request to another host."""
    if request.node.get_closest_marker("browser") is None:
        yield None
        return
    browser = request.getfixturevalue("browser")
    watch = CspWatch()
    open_context = browser.new_context

    def new_context(*args, **kwargs):
        context = open_context(*args, **kwargs)
        if not kwargs.get("bypass_csp"):
            watch.attach(context)
        return context

    monkeypatch.setattr(browser, "new_context", new_context)
    yield watch
    if problems := watch.problems():
        pytest.fail("\n".join(dict.fromkeys(problems)), pytrace=False)
