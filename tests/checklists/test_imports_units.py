"""Units from a spreadsheet (checklists.services.imports.units_import): a tree in
any order, all rows or none, the scope rules of unit_create and unit_update."""

from __future__ import annotations

import pytest

from checklists.errors import Invalid, NotAllowed
from checklists.models import AuditEvent, Unit
from checklists.services.imports import units_import
from tests.spreadsheets import csv_bytes, xlsx

HEADER = ["code", "name", "kind", "parent", "document_symbol"]


def rows_of(error: Invalid) -> list[tuple[int, str]]:
    return [(row["row"], row["column"]) for row in error.extra["rows"]]


def test_it_creates_a_tree_whatever_the_order_of_rows(world):
    content = xlsx(
        [
            HEADER,
            ["xa-a", "Xã A", "grassroots", "huyen-b", ""],
            ["huyen-b", "Huyện B", "district", "quang-ninh", "HU"],
        ]
    )
    result = units_import(actor=world.people.coordinator_in, upload=content)
    huyen = Unit.objects.get(code="huyen-b")
    xa = Unit.objects.get(code="xa-a")
    assert sorted(result.created) == sorted([huyen.pk, xa.pk]) and result.updated == []
    assert xa.parent == huyen and huyen.parent == world.province_in
    assert xa.is_within(world.province_in) and huyen.document_symbol == "HU"
    assert AuditEvent.objects.filter(action="create", object_type="unit").count() >= 2


def test_it_reads_vietnamese_headers_and_kind_labels(world):
    content = csv_bytes(
        [
            ["Mã đơn vị", "Tên", "Loại", "Đơn vị cấp trên"],
            ["cam-pha", "Cẩm Phả", "District", "quang-ninh"],
        ],
        delimiter=";",
        bom=True,
    )
    units_import(actor=world.people.coordinator_in, upload=content)
    assert Unit.objects.get(code="cam-pha").kind == Unit.Kind.DISTRICT


def test_a_saved_code_updates_its_unit(world):
    content = xlsx([HEADER, ["ha-long", "Thành phố Hạ Long", "district", "quang-ninh", "TU"]])
    result = units_import(actor=world.people.coordinator_in, upload=content)
    world.district.refresh_from_db()
    assert result.updated == [world.district.pk] and result.created == []
    assert (world.district.name, world.district.document_symbol) == ("Thành phố Hạ Long", "TU")


def test_every_error_names_its_row_and_column_and_nothing_is_saved(world):
    content = xlsx(
        [
            HEADER,
            ["ok-1", "Đơn vị tốt", "district", "quang-ninh", ""],
            ["bad-kind", "Loại sai", "village", "quang-ninh", ""],
            ["orphan", "Mồ côi", "district", "no-such-unit", ""],
            ["ok-1", "Trùng mã", "district", "quang-ninh", ""],
            ["", "Không mã", "district", "quang-ninh", ""],
            ["has space", "Mã sai", "district", "quang-ninh", ""],
        ]
    )
    with pytest.raises(Invalid) as caught:
        units_import(actor=world.people.coordinator_in, upload=content)
    assert sorted(rows_of(caught.value)) == [
        (3, "kind"),
        (4, "parent"),
        (5, "code"),
        (6, "code"),
        (7, "code"),
    ]
    messages = {row["row"]: row["message"] for row in caught.value.extra["rows"]}
    assert "village" in messages[3] and "province" in messages[3]
    assert "no-such-unit" in messages[4]
    assert "row 2" in messages[5]
    assert not Unit.objects.filter(code__in=["ok-1", "has-space"]).exists()


def test_a_bad_last_row_saves_nothing(world):
    rows = [HEADER, *([f"u-{i}", f"U {i}", "district", "quang-ninh", ""] for i in range(5))]
    rows.append(["u-last", "Last", "district", "vinh-phuc", ""])  # outside coordinator_in's scope
    events = AuditEvent.objects.count()
    with pytest.raises(Invalid) as caught:
        units_import(actor=world.people.coordinator_in, upload=xlsx(rows))
    assert rows_of(caught.value) == [(7, "parent")]
    assert "outside your scope" in caught.value.extra["rows"][0]["message"]
    assert not Unit.objects.filter(code__startswith="u-").exists()
    assert AuditEvent.objects.count() == events


def test_a_loop_of_parents_is_a_row_error(world):
    content = xlsx(
        [HEADER, ["a-1", "A", "district", "b-1", ""], ["b-1", "B", "district", "a-1", ""]]
    )
    with pytest.raises(Invalid) as caught:
        units_import(actor=world.people.coordinator_all, upload=content)
    assert sorted(rows_of(caught.value)) == [(2, "parent"), (3, "parent")]


@pytest.mark.parametrize(
    ("role", "row", "column"),
    [
        ("coordinator_in", ["top", "Top", "central", "", ""], "parent"),  # top: everything only
        ("coordinator_in", ["vp-1", "VP", "district", "vinh-phuc", ""], "parent"),
        ("coordinator_in", ["vinh-phuc", "Vĩnh Phúc mới", "province", "central", ""], "code"),
        ("coordinator_out", ["hl-2", "HL", "grassroots", "ha-long", ""], "parent"),
    ],
)
def test_the_scope_rules_of_unit_create_and_update_apply(world, role, row, column):
    with pytest.raises(Invalid) as caught:
        units_import(actor=getattr(world.people, role), upload=xlsx([HEADER, row]))
    assert rows_of(caught.value) == [(2, column)]


def test_a_coordinator_of_everything_may_add_a_top_unit(world):
    units_import(
        actor=world.people.coordinator_all,
        upload=xlsx([HEADER, ["top", "Top", "central", "", "TW"]]),
    )
    assert Unit.objects.get(code="top").parent is None


@pytest.mark.parametrize("role", ["lead", "deputy", "member", "secretary", "host_in", "host_out"])
def test_people_who_are_no_coordinators_may_not_import_units(world, role):
    with pytest.raises(NotAllowed):
        # Refused before the file is read: even an empty file says nothing.
        units_import(actor=getattr(world.people, role), upload=b"")
