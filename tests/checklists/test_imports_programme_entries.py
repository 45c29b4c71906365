"""A programme's entries from a spreadsheet (checklists.imports.programme_entries):
look-ups, windows and roles checked row by row; the programme service (another
issue item) saves what this returns."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from checklists.errors import Invalid, NotAllowed
from checklists.imports.programme_entries import ProgrammeEntryRow, programme_entries_read
from checklists.services.imports import import_template
from tests.spreadsheets import PROGRAMME_ENTRY_HEADER as HEADER
from tests.spreadsheets import PROGRAMME_ENTRY_HEADER_VI as VI_HEADER
from tests.spreadsheets import csv_bytes, xlsx


def rows_of(error: Invalid) -> list[tuple[int, str]]:
    return sorted((row["row"], row["column"]) for row in error.extra["rows"])


def test_it_reads_entries_with_their_people_and_windows(world):
    content = xlsx(
        [
            VI_HEADER,
            [
                "ha-long",
                "lead",
                "deputy",
                "secretary",
                "member",
                "01/06/2025",
                dt.datetime(2025, 6, 20),
            ],
            ["quang-ninh", "deputy", "", "", "", "2025-07-01", "2025-07-10"],
        ]
    )
    entries = programme_entries_read(content, actor=world.people.coordinator_in)
    people = world.people
    assert entries == [
        ProgrammeEntryRow(
            row=2,
            host_unit=world.district,
            lead=people.lead,
            deputy=people.deputy,
            secretary=people.secretary,
            members=(people.member,),
            window_start=dt.date(2025, 6, 1),
            window_end=dt.date(2025, 6, 20),
        ),
        ProgrammeEntryRow(
            row=3,
            host_unit=world.province_in,
            lead=people.deputy,
            deputy=None,
            secretary=None,
            members=(),
            window_start=dt.date(2025, 7, 1),
            window_end=dt.date(2025, 7, 10),
        ),
    ]


def test_members_are_usernames_separated_by_commas(world):
    extra = [world.people.host_in, world.people.host_out]
    content = csv_bytes(
        [
            HEADER,
            ["ha-long", "lead", "", "", "member, host_in,host_out", "2025-06-01", "2025-06-02"],
        ],
        delimiter=";",
        bom=True,
    )
    (entry,) = programme_entries_read(content, actor=world.people.coordinator_all)
    assert entry.members == (world.people.member, *extra)


def test_every_error_names_its_row_and_column(world):
    content = xlsx(
        [
            HEADER,
            ["no-such-unit", "lead", "", "", "", "2025-06-01", "2025-06-02"],
            ["ha-long", "nobody", "", "", "member,ghost", "2025-06-01", "2025-06-02"],
            ["quang-ninh", "lead", "", "", "", "2025-06-10", "2025-06-01"],
            ["ha-long", "lead", "", "", "", "1/13/2025", "2025-06-02"],
            ["central", "lead", "lead", "", "", "2025-06-01", "2025-06-02"],
            ["", "", "", "", "", "", "2025-06-02"],
        ]
    )
    with pytest.raises(Invalid) as caught:
        programme_entries_read(content, actor=world.people.coordinator_in)
    assert rows_of(caught.value) == [
        (2, "host_unit"),
        (3, "lead"),
        (3, "members"),
        (4, "window_end"),
        (5, "host_unit"),  # a host unit appears once (one row per host unit)
        (5, "window_start"),
        (6, "deputy"),  # the same person in two roles
        (6, "host_unit"),  # central lies outside coordinator_in's scope
        (7, "host_unit"),
        (7, "lead"),
        (7, "window_start"),
    ]
    messages = {(r["row"], r["column"]): r["message"] for r in caught.value.extra["rows"]}
    assert "ghost" in messages[(3, "members")]
    assert "before it starts" in messages[(4, "window_end")]
    assert "1/13/2025" in messages[(5, "window_start")]


def test_a_deactivated_person_is_not_found(world):
    world.people.member.is_active = False
    world.people.member.save(update_fields=["is_active"])
    content = xlsx([HEADER, ["ha-long", "member", "", "", "", "2025-06-01", "2025-06-02"]])
    with pytest.raises(Invalid) as caught:
        programme_entries_read(content, actor=world.people.coordinator_in)
    assert rows_of(caught.value) == [(2, "lead")]


@pytest.mark.parametrize("role", ["lead", "deputy", "member", "secretary", "host_in", "host_out"])
def test_people_who_are_no_coordinators_may_not_read_entries(world, role):
    with pytest.raises(NotAllowed):
        programme_entries_read(b"", actor=getattr(world.people, role))


@pytest.mark.parametrize(("language", "header"), [("vi", VI_HEADER), ("en", HEADER)])
def test_its_template_reads_back_once_filled_in(world, language, header):
    with translation.override(language):
        content = import_template("programme_entries", actor=world.people.coordinator_in)
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == header and sheet.freeze_panes == "A2"
    sheet.append(["ha-long", "lead", None, None, "member", "01/06/2025", "20/06/2025"])
    out = io.BytesIO()
    workbook.save(out)
    (entry,) = programme_entries_read(out.getvalue(), actor=world.people.coordinator_in)
    assert entry.host_unit == world.district and entry.members == (world.people.member,)
