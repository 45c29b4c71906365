"""The pages work from the keyboard alone: signing in, skipping to the content,
and changing a checklist item's status, with focus kept where the person was."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from checklists.models import ChecklistItem
from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id") or ""


def tab_to(page, element_id: str, *, limit: int = 80) -> None:
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached #{element_id}")


def test_a_team_member_signs_in_and_works_the_checklist_by_keyboard(page, world, live_server):
    member = world.people.member
    member.set_password(PASSWORD)
    member.save(update_fields=["password"])
    item = world.visit.checklist.order_by("section_position", "position").first()

    # Signing in: the user name field has the focus; Enter submits.
    page.goto(f"{live_server.url}/login/")
    page.keyboard.type(member.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/deadlines/"))

    # The first Tab on a page offers the skip link, which moves focus to the content.
    page.goto(f"{live_server.url}/visits/{world.visit.pk}/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    assert focused_id(page) == "main"

    # Arrow keys change a status; the row is saved and replaced, focus stays on it.
    status = f"item-{item.pk}-status"
    tab_to(page, status)
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#item-{item.pk}")).to_have_class(re.compile("status-in_progress"))
    assert focused_id(page) == status
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"#item-{item.pk}")).to_have_class(re.compile("status-done"))
    assert focused_id(page) == status
    expect(page.locator("main")).to_contain_text("1 of 17 done")
    item.refresh_from_db()
    assert item.status == ChecklistItem.Status.DONE
