"""The programme page in Chromium (issue 14, "Done when"): a coordinator imports a
file with one bad row, sees that row's error, fixes the file and imports it, sees
the clash of a member booked on another visit, moves the entry's window in the
table, approves, creates the visits, sees them, and opens the coverage page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from checklists.models import Programme, TeamMembership
from checklists.services.visits import SessionInput, TeamInput, visit_create
from tests.conftest import local
from tests.spreadsheets import PROGRAMME_ENTRY_HEADER_VI
from tests.web.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = PROGRAMME_ENTRY_HEADER_VI


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    book.save(path)
    return path


def test_a_coordinator_imports_resolves_a_clash_approves_and_creates_the_visits(
    page, plan, sign_in, tmp_path
):
    world, people = plan.world, plan.people
    # member_a is already on another team on 8 April 2025.
    begin = local(2025, 4, 8, 8)
    booked = visit_create(
        actor=world.people.coordinator_in,
        outline=world.outline,
        host_unit=world.province_in,
        title="Kiểm tra Tỉnh ủy Quảng Ninh",
        code="KT-QN-04",
        sessions=[SessionInput(start=begin, end=begin + dt.timedelta(hours=3))],
        team=[TeamInput(people.member_a, TeamMembership.Role.LEAD)],
    )
    good_row = ["cam-pha", "lead_b", "", "", "member_b", "14/04/2025", "18/04/2025"]
    bad = workbook(
        tmp_path / "bad.xlsx",
        [
            ["ha-long", "lead_a", "deputy_a", "", "member_a", "07/04/2025", "11/04/2025"],
            [*good_row[:5], "14/04/2025", "13/04/2025"],  # ends before it starts
        ],
    )

    sign_in(page, world.people.coordinator_in)
    page.get_by_role("link", name="Programmes", exact=True).click()
    page.get_by_role("link", name="KH-10/2025").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("KH-10/2025")

    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(bad)
    page.get_by_role("button", name="Import", exact=True).click()
    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr")).to_contain_text("3")
    expect(errors.locator("tbody tr")).to_contain_text("Đến ngày")
    expect(errors.locator("tbody tr")).to_contain_text("cannot end before it starts")
    # Nothing was saved: the table still holds the March entries.
    expect(page.locator('[name="entries-0-window_start"]')).to_have_value("2025-03-03")

    fixed = workbook(
        tmp_path / "fixed.xlsx",
        [
            ["ha-long", "lead_a", "deputy_a", "", "member_a", "07/04/2025", "11/04/2025"],
            good_row,
        ],
    )
    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(fixed)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("replaced by those of the file")
    expect(page.locator('[name="entries-0-window_start"]')).to_have_value("2025-04-07")

    clashes = page.locator("#clashes")
    error = clashes.locator(".clash-error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("Error")
    expect(error.get_by_role("link", name="Kiểm tra Tỉnh ủy Quảng Ninh")).to_have_attribute(
        "href", f"/visits/{booked.pk}/"
    )

    # Resolved in the table: Hạ Long's window moves to the week after.
    page.locator('[name="entries-0-window_start"]').fill("2025-04-21")
    page.locator('[name="entries-0-window_end"]').fill("2025-04-25")
    page.get_by_role("button", name="Save the entries").click()
    expect(page.locator(".messages")).to_contain_text("The entries are saved.")
    expect(clashes.locator(".clash-error")).to_have_count(0)

    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("The programme is approved.")
    page.get_by_role("button", name="Create visits").click()
    created = page.locator("#visits-created")
    expect(created.get_by_role("link")).to_have_count(2)
    programme = Programme.objects.get(pk=plan.programme.pk)
    visits = [entry.visit for entry in programme.entries.order_by("position")]
    assert all(visit is not None for visit in visits)
    assert visits[0] is not None
    created.locator(f'a[href="/visits/{visits[0].pk}/"]').click()
    expect(page).to_have_url(re.compile(rf"/visits/{visits[0].pk}/$"))

    page.get_by_role("link", name="Coverage", exact=True).click()
    expect(page).to_have_url(re.compile(r"/coverage/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Coverage of units")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_draft_page_with_its_errors_has_no_serious_accessibility_violation(
    browser, plan, sign_in, tmp_path, language
):
    """The demo's programme is approved; here the draft's editable table, a row's
    errors beside it and an import's refusal are checked by axe-core too."""
    coordinator = plan.world.people.coordinator_in
    coordinator.language = language
    coordinator.save(update_fields=["language"])
    # axe-core is injected as an inline script, which the pages' CSP refuses.
    context = browser.new_context(bypass_csp=True)
    page = sign_in(context.new_page(), coordinator)
    page.goto(page.url.split("/deadlines/")[0] + f"/programmes/{plan.programme.pk}/")
    page.locator('[name="entries-1-lead"]').fill("nobody")
    page.locator("#entries form button[type=submit]").click()
    expect(page.locator("#entry-2-errors")).to_be_visible()
    bad = workbook(tmp_path / "bad.xlsx", [["ha-long", "", "", "", "", "07/04/2025", "x"]])
    page.locator("#import input[type=file]").set_input_files(bad)
    page.locator("#import button[type=submit]").click()
    expect(page.locator("#import-errors")).to_be_visible()
    assert _violations(page) == []
    context.close()
