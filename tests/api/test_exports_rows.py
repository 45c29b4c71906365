"""`?format=xlsx` (SPEC §5 "exports"): each list's export holds the rows of every
page of its JSON answer, for the same filters and order (read back with openpyxl),
with typed cells."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from checklists.models import ChecklistItem, Recommendation
from checklists.services.checklist import checklist_item_update
from tests.coverage_world import grow_inspected_units
from tests.exports import all_pages, export, sheet_rows


@pytest.fixture
def grown(world):
    """world + four grassroots units under the district, each with a visit: two
    issued with a late recommendation, two cancelled."""
    grow_inspected_units(world, 4)
    return world


def _date(value):
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"ordering": "code"},
        {"status": ["cancelled", "planned"], "ordering": "-first_session,id"},
        {"search": "Kiểm tra", "within": "district"},
    ],
)
def test_visits_export_equals_every_page_of_the_list(grown, client_for, params):
    client = client_for("coordinator_in")
    if params.get("within") == "district":
        params = {**params, "within": grown.district.pk}
    listed = all_pages(client, "/api/v1/visits/", params)
    _headers, rows = sheet_rows(export(client, "/api/v1/visits/", {**params, "page_size": 1}))
    assert len(listed) > 1
    assert [row["ID"] for row in rows] == [v["id"] for v in listed]
    assert [row["Code"] for row in rows] == [v["code"] or None for v in listed]
    assert [row["Progress"] for row in rows] == [v["progress"] for v in listed]


def test_milestones_export_equals_every_page_of_the_list(grown, client_for):
    client = client_for("coordinator_in")
    params = {"responsible": "host", "ordering": "-due_date,id"}
    listed = all_pages(client, "/api/v1/milestones/", params, page_size=3)
    _headers, rows = sheet_rows(export(client, "/api/v1/milestones/", {**params, "page": 2}))
    assert len(listed) > 3
    assert [row["ID"] for row in rows] == [m["id"] for m in listed]
    assert [_date(row["Due date"]).isoformat() for row in rows] == [m["due_date"] for m in listed]
    assert [row["Dated by hand"] for row in rows] == [m["dated_by_hand"] for m in listed]


def test_a_visits_milestones_export_equals_its_list(world, client_for):
    client = client_for("lead")
    url = f"/api/v1/visits/{world.visit.pk}/milestones/"
    listed = all_pages(client, url)
    _headers, rows = sheet_rows(export(client, url))
    assert [row["ID"] for row in rows] == [m["id"] for m in listed]
    assert {row["Visit code"] for row in rows} == {"KT-HL"}


def test_checklist_export_equals_every_page_of_the_list(world, client_for):
    items = list(world.visit.checklist.order_by("section_position", "position"))
    for item in items[:3]:
        checklist_item_update(actor=world.people.lead, item=item, status="done")
    client = client_for("member")
    url = f"/api/v1/visits/{world.visit.pk}/checklist/"
    for params in ({}, {"status": "open", "ordering": "-position"}, {"text": "I.1"}):
        listed = all_pages(client, url, params, page_size=4)
        _headers, rows = sheet_rows(export(client, url, params))
        assert [row["ID"] for row in rows] == [i["id"] for i in listed], params
        assert [row["Number"] for row in rows] == [i["number"] for i in listed]
        assert [row["Internal note"] for row in rows] == [
            i["internal_note"] or None for i in listed
        ]


def test_recommendations_export_equals_every_page_of_the_list(grown, client_for):
    client = client_for("coordinator_all")
    for params in ({}, {"overdue": "true", "ordering": "-code"}, {"within": grown.district.pk}):
        listed = all_pages(client, "/api/v1/recommendations/", params, page_size=1)
        _headers, rows = sheet_rows(export(client, "/api/v1/recommendations/", params))
        assert listed, params
        assert [row["ID"] for row in rows] == [r["id"] for r in listed]
        assert [row["Overdue"] for row in rows] == [r["overdue"] for r in listed]
        assert [row["Code"] for row in rows] == [r["code"] for r in listed]


def test_coverage_export_equals_every_page_of_the_list(grown, client_for):
    client = client_for("coordinator_in")
    url = "/api/v1/units/coverage/"
    for params in ({}, {"due_again": "true"}, {"within": grown.district.pk, "ordering": "-code"}):
        listed = all_pages(client, url, params)
        _headers, rows = sheet_rows(export(client, url, params))
        assert listed, params
        assert [row["Unit ID"] for row in rows] == [e["unit"] for e in listed]
        assert [row["Due again"] for row in rows] == [e["due_again"] for e in listed]
        assert [row["Open recommendations"] for row in rows] == [
            e["open_recommendations"] for e in listed
        ]
        assert [
            _date(row["Last inspection"]).isoformat() if row["Last inspection"] else None
            for row in rows
        ] == [e["last_inspection"] for e in listed]


def test_cells_are_typed(grown, client_for):
    """Numbers as numbers, dates as dates (formatted as dates), times in Vietnam
    time, yes/no as booleans, a share as a percent, text that looks like a
    formula as text."""
    grown.visit.title = '=HYPERLINK("http://example.com")'
    grown.visit.save(update_fields=["title"])
    client = client_for("coordinator_all")
    response = export(client, "/api/v1/visits/", {"code": "KT-HL"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert row["ID"].data_type == "n" and row["ID"].value == grown.visit.pk
    assert row["Title"].data_type == "s" and row["Title"].value.startswith("=HYPERLINK")
    first = row["First session"]
    assert first.is_date and first.value == dt.datetime(2024, 5, 13, 8, 0)
    assert first.number_format == "yyyy-mm-dd hh:mm"
    assert row["Progress"].data_type == "n" and row["Progress"].number_format == "0%"
    people = grown.people
    assert row["Lead"].value == people.lead.full_name
    assert row["Team"].value == "; ".join(
        p.full_name
        for p in sorted(
            [people.lead, people.deputy, people.member, people.secretary],
            key=lambda p: (p.team_memberships.get(visit=grown.visit).role, p.pk),
        )
    )
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}2"
    assert sheet.column_dimensions["C"].width >= 40

    response = export(client, "/api/v1/milestones/", {"visit": grown.visit.pk})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert row["Due date"].is_date and row["Due date"].number_format == "yyyy-mm-dd"
    assert row["Dated by hand"].data_type == "b" and row["Dated by hand"].value is False

    # Answers as stored: a number one canonical (text), a yes/no one a boolean.
    number, yes_no, text = grown.visit.checklist.order_by("id")[:3]
    ChecklistItem.objects.filter(pk=number.pk).update(answer_type="number", answer="12.5")
    ChecklistItem.objects.filter(pk=yes_no.pk).update(answer_type="yes_no", answer=True)
    ChecklistItem.objects.filter(pk=text.pk).update(answer="=1+1")
    response = export(client, f"/api/v1/visits/{grown.visit.pk}/checklist/")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    answers = {row[0].value: row[6] for row in sheet.iter_rows(min_row=2)}
    assert answers[number.pk].data_type == "n" and answers[number.pk].value == 12.5
    assert answers[yes_no.pk].data_type == "b" and answers[yes_no.pk].value is True
    assert answers[text.pk].data_type == "s" and answers[text.pk].value == "=1+1"


def test_times_are_vietnam_time(world, client_for):
    """A deadline marked done at 20:30 UTC was done at 03:30 the next day in Vietnam."""
    milestone = world.visit.milestones.order_by("id").first()
    milestone.done_at = dt.datetime(2024, 5, 20, 20, 30, tzinfo=dt.UTC)
    milestone.save(update_fields=["done_at"])
    _headers, rows = sheet_rows(
        export(client_for("coordinator_all"), "/api/v1/milestones/", {"visit": world.visit.pk})
    )
    row = next(r for r in rows if r["ID"] == milestone.pk)
    assert row["Done at"] == dt.datetime(2024, 5, 21, 3, 30)


def test_the_file_is_an_attachment_named_after_the_list_and_the_day(world, client_for):
    response = export(client_for("coordinator_all"), "/api/v1/visits/")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="visits-{today}.xlsx"'
    response = export(client_for("lead"), f"/api/v1/visits/{world.visit.pk}/checklist/")
    assert f'filename="checklist-{world.visit.pk}-{today}.xlsx"' in response["Content-Disposition"]


def test_rows_are_read_with_a_server_side_cursor(world, client_for, monkeypatch):
    """QuerySet.iterator asks the connection for its chunked cursor: a named
    (server-side) cursor on PostgreSQL, which DISABLE_SERVER_SIDE_CURSORS would
    turn off."""
    opened = []
    original = connection.chunked_cursor

    def spy():
        cursor = original()
        opened.append(cursor)
        return cursor

    monkeypatch.setattr(connection, "chunked_cursor", spy)
    response = export(client_for("coordinator_all"), "/api/v1/visits/")
    assert response.status_code == 200
    assert opened
    if connection.vendor == "postgresql":
        assert all(getattr(c.cursor, "name", None) for c in opened)


def test_an_item_added_by_the_visit_is_exported_with_its_origin(world, client_for):
    ChecklistItem.objects.filter(pk=world.item.pk).update(origin=ChecklistItem.Origin.VISIT)
    _headers, rows = sheet_rows(
        export(client_for("lead"), f"/api/v1/visits/{world.visit.pk}/checklist/")
    )
    assert next(r for r in rows if r["ID"] == world.item.pk)["Origin"] == str(
        ChecklistItem.Origin.VISIT.label
    )


def test_states_are_words(grown, client_for):
    _headers, rows = sheet_rows(export(client_for("coordinator_all"), "/api/v1/recommendations/"))
    assert {row["State"] for row in rows} <= {str(s.label) for s in Recommendation.State}
