"""The coverage page in Chromium: a coordinator reaches it from the navigation,
opens a unit's list of the units under it from the keyboard, and follows the
link of its last inspection."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from checklists.models import Unit
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_opens_the_tree_by_keyboard_and_follows_the_last_inspection(
    page, world, sign_in, live_server
):
    factories.UnitFactory(
        parent=world.district, kind=Unit.Kind.GRASSROOTS, code="chi-bo-1", name="Chi bộ 1"
    )
    sign_in(page, world.people.coordinator_in)
    page.get_by_role("link", name="Coverage").click()
    expect(page).to_have_url(re.compile(r"/coverage/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Coverage of units")

    province = page.locator(f"#unit-{world.province_in.pk}")
    district = page.locator(f"#unit-{world.district.pk}")
    grassroots = page.locator("li", has_text="Chi bộ 1").last
    # The province's list is open; the district's is closed.
    expect(province).to_contain_text("Never inspected")
    expect(district).to_be_visible()
    expect(district).to_contain_text("inspected on 13 May 2024")
    expect(grassroots).to_be_hidden()

    summary = district.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(grassroots).to_be_visible()
    expect(grassroots).to_contain_text("Never inspected")

    # Years: the district, inspected more than two years ago, is due again after 2.
    page.get_by_label("Due again after (years)").fill("2")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(f"#unit-{world.district.pk} > .coverage-unit")).to_contain_text("Due again")

    page.locator(f"#unit-{world.district.pk} a.coverage-visit").click()
    expect(page).to_have_url(re.compile(rf"/visits/{world.visit.pk}/$"))
