"""Every page, in Vietnamese and English, on the demo data: rendered in Chromium
and photographed.

`make screenshots` runs this with SCREENSHOTS_DIR=docs/screenshots, which the
README shows; in `make test` the pictures go to a temporary directory, and the
test still checks that each page answers in the language asked for.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.demo_site import opened, seed_demo_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# A word of the navigation in each language, to show the page answered in it.
NAV_WORD = {"vi": "Lịch", "en": "Calendar"}


def test_it_photographs_every_page_in_both_languages(
    browser, live_server, transactional_db, tmp_path
):
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    pages = seed_demo_pages()
    for demo_page in pages:
        for language in ("vi", "en"):
            with opened(browser, live_server.url, demo_page, language) as page:
                expect(page.locator("html")).to_have_attribute("lang", language)
                if demo_page.username:
                    nav = page.get_by_role("navigation").first
                    expect(nav).to_contain_text(NAV_WORD[language])
                page.screenshot(path=out / f"{demo_page.name}.{language}.png", full_page=True)
    assert len(list(out.glob("*.png"))) >= 2 * len(pages)
