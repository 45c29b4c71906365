"""Section numbers, item numbers (within a section) and milestone keys are unique
within an outline: every entry point refuses a repeat as invalid input naming the
field path (and, for files, the line), saves nothing, and never reaches the
database constraints, which stay as the backstop."""

from __future__ import annotations

from dataclasses import replace
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import translation

from checklists.models import AuditEvent, Outline, OutlineItem, OutlineMilestone, OutlineSection
from checklists.outline_files import OutlineFileError, dump_outline
from checklists.services.outlines import (
    ItemData,
    MilestoneData,
    OutlineData,
    SectionData,
    outline_create,
    outline_import,
    outline_new_version,
)

PROBLEM = "application/problem+json"


def item(number: str, text: str = "Nội dung") -> ItemData:
    return ItemData(number=number, text=text, answer="text")


def section(number: str, *item_numbers: str) -> SectionData:
    return SectionData(
        number=number, title=f"Phần {number}", items=tuple(item(n) for n in item_numbers or ("1",))
    )


def milestone(key: str, **kwargs) -> MilestoneData:
    return MilestoneData(key=key, title=key, responsible="host", **({"offset_days": 3} | kwargs))


def outline(*sections: SectionData, milestones: tuple[MilestoneData, ...] = ()) -> OutlineData:
    return OutlineData(
        code="DUP-1", version=1, title="Đề cương", sections=sections, milestones=milestones
    )


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Outline, OutlineSection, OutlineItem, OutlineMilestone, AuditEvent)
    )


def refused(data: OutlineData) -> dict[str, list[str]]:
    before = counts()
    with pytest.raises(ValidationError) as caught:
        outline_create(actor=None, data=data)
    assert counts() == before
    return caught.value.message_dict


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --------------------------------------------------------------------- service


@pytest.mark.django_db
def test_it_refuses_a_repeated_section_number_at_its_path():
    errors = refused(outline(section("I"), section("II"), section("I")))

    assert errors == {
        "sections[2].number": ['The section number "I" is already used by sections[0].number.']
    }


@pytest.mark.django_db
def test_it_refuses_a_repeated_item_number_within_a_section():
    errors = refused(outline(section("I", "1", "2"), section("II", "1", "2", "1")))

    assert errors == {
        "sections[1].items[2].number": [
            'The item number "1" is already used in this section by sections[1].items[0].number.'
        ]
    }


@pytest.mark.django_db
def test_it_refuses_a_repeated_milestone_key():
    errors = refused(
        outline(section("I"), milestones=(milestone("draft_due"), milestone("draft_due")))
    )

    assert errors == {
        "milestones[1].key": ['The milestone key "draft_due" is already used by milestones[0].key.']
    }


@pytest.mark.django_db
def test_it_reports_every_repeat_and_every_bad_row_at_once():
    """One answer lists everything: repeats of each kind, and a row's own problems
    keyed by its path (a whole-row rule under the row's path)."""
    data = outline(
        section("I", "1", "1"),
        replace(section("I"), title="x" * 501),
        milestones=(milestone("due", offset_working_days=2), milestone("due")),
    )

    errors = refused(data)

    assert set(errors) == {
        "milestones[0]",
        "milestones[1].key",
        "sections[0].items[1].number",
        "sections[1].number",
        "sections[1].title",
    }
    assert "not both" in errors["milestones[0]"][0]
    assert "501" in errors["sections[1].title"][0]


@pytest.mark.django_db
def test_it_allows_the_same_item_number_in_different_sections_and_numbers_differing_in_case():
    created = outline_create(
        actor=None, data=outline(section("I", "1", "2"), section("i", "1", "2"))
    )

    assert OutlineItem.objects.filter(section__outline=created, number="1").count() == 2


@pytest.mark.django_db
def test_a_new_version_copies_an_outline_through_the_same_checks():
    first = outline_create(
        actor=None, data=outline(section("I", "1", "2"), milestones=(milestone("due"),))
    )

    second = outline_new_version(actor=None, outline=first)

    assert second.version == 2
    assert list(second.sections.values_list("number", flat=True)) == ["I"]


@pytest.mark.django_db
def test_the_database_constraints_stay_as_the_backstop():
    created = outline_create(actor=None, data=outline(section("I")))

    with pytest.raises(IntegrityError), transaction.atomic():
        OutlineSection.objects.create(outline=created, number="I", title="again")


@pytest.mark.django_db
def test_it_says_so_in_vietnamese():
    with translation.override("vi"):
        errors = refused(outline(section("I"), section("I")))

    assert errors == {"sections[1].number": ['Số phần "I" đã được dùng ở sections[0].number.']}


# ------------------------------------------------------------------------- API


def outline_body(**changes) -> dict:
    body = {
        "code": "DUP-API",
        "version": 1,
        "title": "Đề cương",
        "milestones": [
            {"key": "draft_due", "title": "Dự thảo", "offset_days": -5, "responsible": "host"},
            {"key": "final_due", "title": "Hoàn thiện", "offset_days": 10, "responsible": "host"},
        ],
        "sections": [
            {
                "number": "I",
                "title": "Đặc điểm",
                "items": [
                    {"number": "1", "text": "Tình hình", "answer": "text"},
                    {"number": "2", "text": "Số đảng viên", "answer": "number"},
                ],
            },
            {
                "number": "II",
                "title": "Kết quả",
                "items": [{"number": "1", "text": "Kết quả", "answer": "yes_no"}],
            },
            {
                "number": "III",
                "title": "Kiến nghị",
                "items": [{"number": "1", "text": "Kiến nghị", "answer": "text"}],
            },
        ],
    }
    return body | changes


@pytest.fixture
def coordinator(world, api_client):
    api_client.force_authenticate(world.people.coordinator_all)
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return api_client


def assert_invalid(response) -> dict:
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == "/api/v1/problems/validation-error"
    assert body["status"] == 400
    for path in body["errors"]:
        assert path in body["detail"]
    return body


def test_the_api_answers_a_repeated_section_number_with_a_400_naming_its_path(world, coordinator):
    body = outline_body()
    body["sections"][2]["number"] = "II"
    before = counts()

    problem = assert_invalid(coordinator.post("/api/v1/outlines/", body, format="json"))

    assert problem["errors"] == {
        "sections[2].number": ['The section number "II" is already used by sections[1].number.']
    }
    assert counts() == before
    assert not Outline.objects.filter(code="DUP-API").exists()


def test_the_api_reports_repeated_items_and_milestone_keys_together(world, coordinator):
    body = outline_body()
    body["sections"][0]["items"][1]["number"] = "1"
    body["milestones"][1]["key"] = "draft_due"
    before = counts()

    problem = assert_invalid(coordinator.post("/api/v1/outlines/", body, format="json"))

    assert problem["errors"] == {
        "milestones[1].key": [
            'The milestone key "draft_due" is already used by milestones[0].key.'
        ],
        "sections[0].items[1].number": [
            'The item number "1" is already used in this section by sections[0].items[0].number.'
        ],
    }
    assert counts() == before


def test_the_api_accepts_the_outline_once_the_repeat_is_fixed(world, coordinator):
    response = coordinator.post("/api/v1/outlines/", outline_body(), format="json")

    assert response.status_code == 201, response.content[:500]
    assert [s["number"] for s in response.json()["sections"]] == ["I", "II", "III"]


def test_the_api_says_so_in_vietnamese(world, coordinator):
    body = outline_body()
    body["sections"][2]["number"] = "II"

    response = coordinator.post("/api/v1/outlines/", body, format="json", HTTP_ACCEPT_LANGUAGE="vi")

    assert assert_invalid(response)["errors"] == {
        "sections[2].number": ['Số phần "II" đã được dùng ở sections[1].number.']
    }


# ----------------------------------------------------------------------- files


DUPLICATES = outline(
    section("I", "1", "2"),
    section("II", "1", "1"),
    section("I"),
    milestones=(milestone("due"), milestone("other"), milestone("due")),
)


def line_of(text: str, needle: str, occurrence: int) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[occurrence]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_file_import_names_the_path_and_line_of_each_repeat_and_saves_nothing(fmt):
    text = dump_outline(DUPLICATES, fmt=fmt)
    q = '"' if fmt == "json" else ""
    before = counts()

    with pytest.raises(OutlineFileError) as caught:
        outline_import(actor=None, content=text.encode(), filename=f"dup.{fmt}")

    found = {(p.path, p.line): p.message for p in caught.value.problems}
    assert found == {
        ("milestones[2].key", line_of(text, f"{q}key{q}: {q}due{q}", 1)): (
            'The milestone key "due" is already used by milestones[0].key.'
        ),
        ("sections[1].items[1].number", line_of(text, f'{q}number{q}: "1"', 2)): (
            'The item number "1" is already used in this section by sections[1].items[0].number.'
        ),
        ("sections[2].number", line_of(text, f'{q}number{q}: "I"', 1)): (
            'The section number "I" is already used by sections[0].number.'
        ),
    }
    assert counts() == before


def test_the_api_import_answers_a_repeat_with_its_line_and_path(world, coordinator):
    text = dump_outline(replace(DUPLICATES, milestones=()), fmt="yaml")
    item_line = line_of(text, 'number: "1"', 2)
    section_line = line_of(text, 'number: "I"', 1)
    upload = SimpleUploadedFile("dup.yaml", text.encode(), content_type="application/yaml")
    before = counts()

    response = coordinator.post("/api/v1/outlines/import/", {"file": upload}, format="multipart")

    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"] == {
        "": [
            f"line {item_line}, sections[1].items[1].number: "
            'The item number "1" is already used in this section by sections[1].items[0].number.',
            f"line {section_line}, sections[2].number: "
            'The section number "I" is already used by sections[0].number.',
        ]
    }
    assert counts() == before


@pytest.mark.django_db
def test_the_import_command_names_the_line_and_path_of_a_repeat(tmp_path):
    text = dump_outline(outline(section("I"), section("I")), fmt="json")
    path = tmp_path / "dup.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        call_command("import_outline", str(path), stdout=StringIO())

    message = str(caught.value)
    assert "nothing was imported" in message
    line = line_of(text, '"number": "I"', 1)
    assert (
        f'line {line}, sections[1].number: The section number "I" is already used by sections[0].number.'
    ) in message
    assert not Outline.objects.exists()
