"""Every page, in both languages, checked by axe-core (the WCAG 2.1 A and AA
rules a machine can check) in Chromium: no serious or critical violation.

axe-core comes from the npm registry with the pages' other front-end packages
(web/package-lock.json, a development dependency) and is injected into the page
by the test, in a browser context that bypasses the Content-Security-Policy; the
product never serves it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.demo_site import opened, seed_demo_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("options => axe.run(document, options)", RULES)["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['html'][:120] for n in v['nodes'][:3]]}"
        for v in found
        if v["impact"] in {"serious", "critical"}
    ]


def test_no_page_has_a_serious_accessibility_violation(browser, live_server, transactional_db):
    assert AXE.exists(), "run `make vendor` (npm ci in web/) first"
    problems = {}
    for demo_page in seed_demo_pages():
        for language in ("vi", "en"):
            # axe-core is injected as an inline script, which the pages' CSP refuses.
            with opened(browser, live_server.url, demo_page, language, bypass_csp=True) as page:
                if found := _violations(page):
                    problems[f"{demo_page.name}.{language}"] = found
    if problems:
        pytest.fail(
            "\n".join(
                f"{where}: {problem}" for where, found in problems.items() for problem in found
            )
        )
