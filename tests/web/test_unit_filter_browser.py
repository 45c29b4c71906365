"""The searchable unit filter in a real browser, from the keyboard: the
suggestions arrive as the person types, choosing one narrows the overview to that
unit (its id travels, its name stays shown), emptying the field widens it again;
the calendar asks the API for the chosen unit's events."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_narrows_the_overview_to_a_unit_by_typing(page, world, sign_in, live_server):
    sign_in(page, world.people.coordinator_all)
    page.goto(f"{live_server.url}/visits/")
    results = page.locator("#overview-results")
    expect(results).to_contain_text("KT-HL")
    expect(results).to_contain_text("KT-VP")

    field = page.get_by_label("Host unit (with the units below it)")
    field.focus()
    page.keyboard.type("ha-lo")
    options = page.locator("#unit-search-options option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "Hạ Long (ha-long)")
    expect(page.locator("#unit-search-hint")).to_have_text("1 suggestion")

    # Choosing the suggestion puts its text in the field (what a browser's list does).
    field.fill("Hạ Long (ha-long)")
    expect(page.locator("#unit-choice")).to_have_value(str(world.district.pk))
    expect(results).not_to_contain_text("KT-VP")
    expect(results).to_contain_text("KT-HL")
    expect(page).to_have_url(re.compile(rf"unit={world.district.pk}"))

    # Emptying the field lifts the filter.
    field.fill("")
    expect(page.locator("#unit-choice")).to_have_value("")
    expect(results).to_contain_text("KT-VP")


def test_the_calendar_asks_for_the_chosen_units_events(page, world, sign_in, live_server):
    sign_in(page, world.people.coordinator_all)
    page.goto(f"{live_server.url}/calendar/")
    expect(page.locator(".fc")).to_be_visible()
    field = page.get_by_label("Host unit", exact=True)
    field.focus()
    page.keyboard.type("vinh")
    expect(page.locator("#unit-search-options option")).to_have_count(1)
    wanted = f"host_unit={world.province_out.pk}"
    with page.expect_request(
        lambda request: "/api/v1/calendar/" in request.url and wanted in request.url
    ):
        field.fill("Vĩnh Phúc (vinh-phuc)")
