"""The visit page's checklist at its full size (issue 16) and the rows written by
web.views.checklist_rows: a 300-item page stays under 270 KB of HTML and costs the
same queries as a small one; every value in a row is escaped; a row saved without
JavaScript goes through the item's own page, whose form carries the CSRF token."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from checklists.models import AnswerType, ChecklistItem
from checklists.services.checklist import checklist_item_add
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db

BIG = 300
MAX_BYTES = 270 * 1024
SECTIONS = ("A", "B", "C", "D", "E", "F")
SEES_VISIT = {"coordinator_in", "lead", "deputy", "member", "secretary", "host_in"}
EDITS_CHECKLIST = SEES_VISIT - {"host_in"}


def visit_url(visit, suffix: str = "") -> str:
    return f"/visits/{visit.pk}/{suffix}"


def grow_checklist_to(world, total: int) -> None:
    """Items of the visit's own up to `total`, shaped like an outline's: a line of
    Vietnamese each, an assignee on every one, a due date on one in ten, spread
    over six more sections."""
    start = world.visit.checklist.count()
    for i in range(start, total):
        checklist_item_add(
            actor=None,
            visit=world.visit,
            text=f"Việc thực hiện quy định về công tác kiểm tra, giám sát của cấp ủy, mục {i}",
            section_number=SECTIONS[i % len(SECTIONS)],
            section_title=f"Phần {SECTIONS[i % len(SECTIONS)]}",
            answer_type=AnswerType.NUMBER if i % 20 == 0 else AnswerType.TEXT,
            assignee=world.people.member,
            due_date=dt.date(2024, 6, 1) if i % 10 == 0 else None,
        )


def page_queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_it_keeps_the_300_item_page_under_270_kb(world, web_client_for):
    grow_checklist_to(world, BIG)

    response = web_client_for("lead").get(visit_url(world.visit))

    page = response.content.decode()
    assert len(re.findall(r'<li id="item-\d+"', page)) == BIG
    assert page.count('name="status"') == BIG
    assert len(response.content) <= MAX_BYTES, len(response.content)


@pytest.mark.parametrize("role", ["lead", "host_in", "coordinator_in"])
def test_it_costs_the_same_queries_for_17_items_as_for_300(role, world, web_client_for):
    client = web_client_for(role)
    small, small_page = page_queries(client, visit_url(world.visit))
    grow_checklist_to(world, BIG)

    big, big_page = page_queries(client, visit_url(world.visit))

    assert small_page.count('<li id="item-') == 17
    assert big_page.count('<li id="item-') == BIG
    assert big == small


# --- what a row shows ---------------------------------------------------------------------------


def test_it_escapes_every_value_of_a_row(world, web_client_for):
    hostile = '<img src=x onerror="alert(1)"> & </textarea>'
    ChecklistItem.objects.filter(pk=world.item.pk).update(
        text=hostile, answer=hostile, finding=f"{hostile}\ndòng hai", internal_note=hostile
    )

    page = web_client_for("lead").get(visit_url(world.visit)).content.decode()

    row = page.split(f'<li id="item-{world.item.pk}"')[1].split("</li>")[0]
    assert "<img" not in row and "</textarea> &" not in row
    escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;/textarea&gt;"
    assert row.count(escaped) == 4  # text, answer, finding, internal note
    assert f"{escaped}<br>dòng hai" in row


def test_it_shows_the_assignee_due_date_and_number_hint(world, web_client_for):
    item = checklist_item_add(
        actor=None,
        visit=world.visit,
        text="Số đảng viên mới",
        answer_type=AnswerType.NUMBER,
        assignee=world.people.member,
        due_date=dt.date(2024, 6, 1),
    )
    page = web_client_for("lead").get(visit_url(world.visit)).content.decode()

    row = page.split(f'<li id="item-{item.pk}"')[1].split("</li>")[0]
    assert f"Assignee: {world.people.member}" in row
    assert "Due: " in row and "2024" in row
    assert "(a number)" in row
    assert '<span class="badge">Visit' in row


def test_the_rows_carry_no_csrf_token_and_save_without_javascript_through_a_get(
    world, web_client_for
):
    page = web_client_for("member").get(visit_url(world.visit)).content.decode()

    row = page.split(f'<li id="item-{world.item.pk}"')[1].split("</li>")[0]
    assert "csrfmiddlewaretoken" not in row
    assert f'action="/visits/{world.visit.pk}/checklist/{world.item.pk}/"' in row
    # Without JavaScript the row leads to the item's own page, carrying no values.
    assert f'<noscript><a href="/visits/{world.visit.pk}/checklist/{world.item.pk}/">' in row
    # The list gives every row its htmx target (web/static/web/checklist.js sends them).
    assert '<ol class="checklist" hx-target="closest li" hx-swap="outerHTML">' in page


# --- the item's own page (saving without JavaScript) ----------------------------------------------


def item_url(item) -> str:
    return visit_url(item.visit, f"checklist/{item.pk}/")


def test_it_saves_a_row_without_javascript_through_the_items_page(world):
    """GIVEN a member without JavaScript WHEN they follow a row's link to the item's
    page THEN that page shows the stored values (never values from the query: an
    answer in a URL would reach access logs) with a CSRF token, and its Save (a
    real, CSRF-checked post) stores the choice."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people.member)

    shown = client.get(
        item_url(world.item), {"row_version": "1", "status": "done", "answer": "Đã rà soát"}
    )

    page = shown.content.decode()
    assert shown.status_code == 200
    assert '<option value="open" selected>' in page
    assert "Đã rà soát" not in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    world.item.refresh_from_db()
    assert world.item.status == "open"  # showing it changed nothing

    saved = client.post(
        item_url(world.item),
        {
            "csrfmiddlewaretoken": token,
            "row_version": "1",
            "status": "done",
            "answer": "Đã rà soát",
        },
    )

    assert saved.status_code == 302
    assert saved["Location"] == f"/visits/{world.visit.pk}/#item-{world.item.pk}"
    world.item.refresh_from_db()
    assert (world.item.status, world.item.answer, world.item.row_version) == (
        "done",
        "Đã rà soát",
        2,
    )


def test_a_post_without_the_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people.member)

    response = client.post(item_url(world.item), {"row_version": "1", "status": "done"})

    assert response.status_code == 403
    world.item.refresh_from_db()
    assert world.item.status == "open"


def test_the_items_page_keeps_the_version_that_was_seen(world, web_client_for):
    """A Save from the item's page after someone else changed the item is refused
    like any other (409), with the current version."""
    client = web_client_for("member")
    ChecklistItem.objects.filter(pk=world.item.pk).update(row_version=5)

    page = client.get(item_url(world.item)).content.decode()
    ChecklistItem.objects.filter(pk=world.item.pk).update(row_version=6)
    refused = client.post(item_url(world.item), {"row_version": "5", "status": "done"})

    assert 'name="row_version" value="5"' in page
    assert refused.status_code == 409
    assert 'name="row_version" value="6"' in refused.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_items_page_shows_each_role_what_the_visit_page_does(role, world, web_client_for):
    response = web_client_for(role).get(item_url(world.item))

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        return
    if role not in SEES_VISIT:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    row = response.content.decode().split(f'<li id="item-{world.item.pk}"')[1].split("</li>")[0]
    assert ('name="status"' in row) == (role in EDITS_CHECKLIST)
    assert ("csrfmiddlewaretoken" in row) == (role in EDITS_CHECKLIST)
    # Internal notes are the team's and the coordinators' (host contacts: never).
    assert ("Ghi chú nội bộ của Đoàn" in row) == (role in EDITS_CHECKLIST)


def test_the_items_page_answers_404_for_an_item_of_another_visit(world, web_client_for):
    foreign = world.other_visit.checklist.first()

    response = web_client_for("coordinator_in").get(
        visit_url(world.visit, f"checklist/{foreign.pk}/")
    )

    assert response.status_code == 404
