"""Outline files: parsing, validation with line and key path, export, import,
the management commands, and refusal of hostile files."""

from __future__ import annotations

import json
import os
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from checklists.models import AuditEvent, Outline, OutlineItem, OutlineMilestone, OutlineSection
from checklists.outline_files import (
    OutlineFileError,
    OutlineProblem,
    dump_outline,
    json_reader,
    parse_outline,
    yaml_reader,
)
from checklists.services import outlines as outlines_service
from checklists.services.outlines import (
    ItemData,
    MilestoneData,
    OutlineData,
    SectionData,
    outline_data,
    outline_import,
)
from tests.conftest import PLAN10_YAML

MB = 1024 * 1024
MEMORY_LIMIT = 50 * MB

# A small valid outline; the invalid cases below edit one line of it, so the
# line numbers in their expectations are this text's.
BASE = """\
code: T-1
version: 1
language: vi
title: "Đề cương thử"
references:
  - "Quy định số 126-QĐ/TW"
milestones:
  - key: draft_report_due
    title: "Nộp dự thảo"
    offset_days: -5
    responsible: host
  - key: final_report_due
    title: "Hoàn thiện"
    offset_working_days: 10
    responsible: host
sections:
  - number: "I"
    title: "Đặc điểm"
    items:
      - number: "1"
        text: "Tình hình"
        answer: text
      - number: "2"
        text: "Số đảng viên"
        answer: number
  - number: "II"
    title: "Kết quả"
    items:
      - number: "1"
        text: "Kết quả"
        answer: yes_no
"""


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in their English source form.
    with translation.override("en"):
        yield


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_loader(request, monkeypatch):
    """Runs a test with each YAML loader: libyaml's parser and the pure-Python
    fallback must enforce the same limits."""
    if request.param == "pure-python":
        monkeypatch.setattr(yaml_reader, "_YamlLoader", yaml_reader._PyYamlLoader)
    elif not yaml.__with_libyaml__:
        pytest.skip("PyYAML is built without libyaml")
    return request.param


@contextmanager
def peak_memory() -> Iterator[dict[str, int]]:
    """Peak bytes allocated (tracemalloc) inside the block, in result["peak"]."""
    result: dict[str, int] = {}
    tracemalloc.start()
    try:
        yield result
    finally:
        result["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def edited(old: str, new: str, source: str = BASE) -> bytes:
    assert old in source, old
    return source.replace(old, new, 1).encode()


def refusal(content: bytes, filename: str = "") -> OutlineFileError:
    with pytest.raises(OutlineFileError) as caught:
        parse_outline(content, filename=filename)
    return caught.value


def where(error: OutlineFileError) -> list[tuple[str, int | None]]:
    return [(problem.path, problem.line) for problem in error.problems]


def line_of(text: str, needle: str) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(lines) == 1, (needle, lines)
    return lines[0]


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Outline, OutlineSection, OutlineItem, OutlineMilestone, AuditEvent)
    )


# --------------------------------------------------------------------- reading


def test_it_parses_the_plan10_sample():
    data = parse_outline(PLAN10_YAML.read_bytes(), filename=PLAN10_YAML.name)

    assert (data.code, data.version, data.language) == ("KH-10", 1, "vi")
    assert data.title.startswith("Đề cương báo cáo kết quả công tác bảo vệ chính trị nội bộ")
    assert data.issuer == "Tiểu ban Bảo vệ chính trị nội bộ Trung ương"
    assert len(data.references) == 4
    assert [s.number for s in data.sections] == ["I", "II", "III", "IV", "V", "VI"]
    assert [len(s.items) for s in data.sections] == [2, 3, 8, 2, 1, 1]
    assert sum(len(s.items) for s in data.sections) == 17
    assert data.sections[0].items[0] == ItemData(
        number="1",
        text="Số tổ chức đảng trực thuộc (đảng bộ, chi bộ) và tổng số đảng viên",
        text_en="Number of subordinate party organisations (committees, cells) and party members",
        answer="number",
    )
    assert [
        (m.key, m.offset_days, m.offset_working_days, m.responsible) for m in data.milestones
    ] == [
        ("decision_announced", 0, None, "team"),
        ("draft_report_due", -5, None, "host"),
        ("team_comments_due", 7, None, "team"),
        ("final_report_due", 15, None, "host"),
        ("conclusion_due", 30, None, "coordinator"),
    ]


def test_it_parses_the_base_outline_with_working_day_offsets():
    data = parse_outline(BASE.encode())

    assert data.milestones[1] == MilestoneData(
        key="final_report_due", title="Hoàn thiện", responsible="host", offset_working_days=10
    )
    assert data.title_en == "" and data.issuer == ""


def test_it_takes_bare_whole_numbers_as_item_and_section_numbers_as_written():
    content = edited('number: "II"', "number: 2").replace(b'number: "2"', b"number: 02")

    data = parse_outline(content)

    # As written: YAML 1.1 would read 02 as the octal number 2.
    assert data.sections[1].number == "2"
    assert data.sections[0].items[1].number == "02"


def test_it_reads_json_with_the_same_keys_by_extension_or_first_character():
    expected = parse_outline(BASE.encode())
    text = json.dumps(yaml.safe_load(BASE), ensure_ascii=False, indent=2)

    assert parse_outline(text.encode(), filename="outline.json") == expected
    assert parse_outline(("\n  " + text).encode()) == expected
    assert parse_outline(BASE.encode(), filename="outline.yml") == expected


def test_it_accepts_a_utf8_byte_order_mark():
    assert parse_outline(b"\xef\xbb\xbf" + BASE.encode()) == parse_outline(BASE.encode())


# ------------------------------------------------------------ invalid files


@pytest.mark.parametrize(
    ("old", "new", "path", "line"),
    [
        pytest.param("code: T-1\n", "", "code", 1, id="missing-code"),
        pytest.param("version: 1", "version: 0", "version", 2, id="version-zero"),
        pytest.param("version: 1", 'version: "1"', "version", 2, id="version-quoted"),
        pytest.param("language: vi", "language: fr", "language", 3, id="language"),
        pytest.param("language: vi", "langauge: vi", "langauge", 3, id="unknown-root-key"),
        pytest.param(
            "language: vi", "language: vi\nlanguage: en", "language", 4, id="repeated-key"
        ),
        pytest.param('title: "Đề cương thử"', "title: yes", "title", 4, id="boolean-as-text"),
        pytest.param('title: "Đề cương thử"', "title: [a, b]", "title", 4, id="list-as-text"),
        pytest.param('  - "Quy định số 126-QĐ/TW"', "  - 126", "references[0]", 6, id="reference"),
        pytest.param(
            "key: draft_report_due", "key: draft report", "milestones[0].key", 8, id="key-slug"
        ),
        pytest.param(
            "offset_days: -5",
            "offset_days: 400",
            "milestones[0].offset_days",
            10,
            id="offset-range",
        ),
        pytest.param(
            "    offset_days: -5\n", "", "milestones[0].offset_days", 8, id="offset-missing"
        ),
        pytest.param(
            "    offset_working_days: 10\n",
            "    offset_working_days: 10\n    offset_days: 3\n",
            "milestones[1].offset_working_days",
            14,
            id="two-offsets",
        ),
        pytest.param(
            "responsible: host",
            "responsible: boss",
            "milestones[0].responsible",
            11,
            id="responsible",
        ),
        pytest.param(
            "key: final_report_due",
            "key: draft_report_due",
            "milestones[1].key",
            12,
            id="milestone-key-twice",
        ),
        pytest.param('number: "II"', 'number: "I"', "sections[1].number", 26, id="section-twice"),
        pytest.param('number: "II"', "number: 2.1", "sections[1].number", 26, id="float-number"),
        pytest.param(
            '    title: "Kết quả"',
            '    title: "Kết quả"\n    note: x',
            "sections[1].note",
            28,
            id="unknown-section-key",
        ),
        pytest.param(
            'title: "Kết quả"',
            'title: "' + "x" * 501 + '"',
            "sections[1].title",
            27,
            id="title-too-long",
        ),
        pytest.param(
            '    items:\n      - number: "1"\n        text: "Kết quả"\n        answer: yes_no\n',
            "    items: []\n",
            "sections[1].items",
            28,
            id="no-items",
        ),
        pytest.param(
            '      - number: "2"',
            '      - number: "1"',
            "sections[0].items[1].number",
            23,
            id="item-twice",
        ),
        pytest.param(
            '        text: "Số đảng viên"\n',
            "",
            "sections[0].items[1].text",
            23,
            id="item-text-missing",
        ),
        pytest.param(
            "answer: number", "answer: date", "sections[0].items[1].answer", 25, id="answer"
        ),
        pytest.param(
            '        text: "Tình hình"',
            '        text: "Tình hình"\n        text_en:',
            "sections[0].items[0].text_en",
            22,
            id="empty-value",
        ),
        pytest.param('title: "Đề cương thử"', 'title: "Đề cương" thử', "", 4, id="yaml-syntax"),
        pytest.param('    title: "Kết quả"', "\ttitle: x", "", 27, id="tab-indent"),
    ],
)
def test_it_reports_the_key_path_and_line_of_a_problem(old, new, path, line):
    error = refusal(edited(old, new))

    assert where(error) == [(path, line)], error


@pytest.mark.parametrize(
    ("old", "new", "path", "marker"),
    [
        ('"answer": "number"', '"answer": "date"', "sections[0].items[1].answer", '"date"'),
        ('"offset_days": -5', '"offset_days": 1.5', "milestones[0].offset_days", "1.5"),
        ('"number": "II"', '"number": null', "sections[1].number", "null"),
        ('"language": "vi"', '"languages": "vi"', "languages", '"languages"'),
    ],
)
def test_it_reports_the_key_path_and_line_of_a_problem_in_json(old, new, path, marker):
    text = dump_outline(parse_outline(BASE.encode()), fmt="json")
    assert old in text
    text = text.replace(old, new, 1)

    error = refusal(text.encode(), filename="outline.json")

    assert where(error) == [(path, line_of(text, marker))]


def test_it_reports_invalid_json_with_its_line():
    error = refusal(b'{\n  "code": "T-1",\n  "version": 1,,\n}', filename="x.json")

    assert where(error) == [("", 3)]
    assert "not valid JSON" in error.problems[0].message


def test_it_collects_every_problem_and_lists_them_by_line():
    content = edited("version: 1", "version: -1")
    content = content.replace(b"answer: yes_no", b"answer: maybe")
    content = content.replace(b"responsible: host", b"responsible: everyone", 1)

    error = refusal(content)

    assert where(error) == [
        ("version", 2),
        ("milestones[0].responsible", 11),
        ("sections[1].items[0].answer", 31),
    ]
    assert str(error).splitlines() == [
        "line 2, version: Expected a whole number of at least 1, found -1.",
        "line 11, milestones[0].responsible: Expected one of host, team, coordinator, "
        'found the text "everyone".',
        "line 31, sections[1].items[0].answer: Expected one of text, number, yes_no, "
        'found the text "maybe".',
    ]


def test_it_names_the_allowed_keys_for_an_unknown_key():
    error = refusal(edited("answer: number", "anwser: number"))

    assert where(error) == [
        ("sections[0].items[1].answer", 23),
        ("sections[0].items[1].anwser", 25),
    ]
    unknown = next(p for p in error.problems if p.path.endswith("anwser"))
    assert "Allowed keys here: number, text, text_en, answer." in unknown.message


def test_it_stops_listing_after_a_hundred_problems():
    content = BASE + "".join(f"extra_{n}: x\n" for n in range(150))

    error = refusal(content.encode())

    assert len(error.problems) == 101
    assert "more than 100 problems" in error.problems[-1].message


def test_it_refuses_a_key_that_is_not_a_plain_name(yaml_loader):
    error = refusal(b"code: T-1\n? [a, b]\n: c\n")

    assert where(error) == [("", 2)]
    assert "plain names" in error.problems[0].message


def test_it_refuses_a_file_that_is_not_a_mapping():
    error = refusal(b"- code: T-1\n")

    assert where(error) == [("", 1)]
    assert "Expected a group of keys" in error.problems[0].message


def test_it_refuses_an_empty_file():
    error = refusal(b"  \n# only a comment\n")

    assert where(error) == [("", None)]
    assert error.problems[0].message == "The file is empty."


def test_it_refuses_a_character_postgresql_cannot_store():
    text = dump_outline(parse_outline(BASE.encode()), fmt="json")
    text = text.replace('"code": "T-1"', '"code": "T-\\u00001"')

    error = refusal(text.encode(), filename="x.json")

    assert where(error) == [("code", 2)]


def test_it_is_a_validation_error_with_one_message_per_problem():
    error = refusal(edited("version: 1", "version: 0"))

    assert isinstance(error, ValidationError)
    assert error.messages == ["line 2, version: Expected a whole number of at least 1, found 0."]
    assert str(OutlineProblem("", None, "Broken.")) == "(top level): Broken."


# ------------------------------------------------------------------- writing


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_it_round_trips_the_sample_through_export(fmt):
    parsed = parse_outline(PLAN10_YAML.read_bytes())

    text = dump_outline(parsed, fmt=fmt)

    assert parse_outline(text.encode(), filename=f"export.{fmt}") == parsed
    assert parse_outline(text.encode()) == parsed


def test_it_writes_the_sample_layout_with_vietnamese_unescaped():
    text = dump_outline(parse_outline(PLAN10_YAML.read_bytes()))

    sample = "".join(
        line for line in PLAN10_YAML.read_text("utf-8").splitlines(True) if not line.startswith("#")
    )
    assert text == sample
    assert "\\u" not in dump_outline(parse_outline(PLAN10_YAML.read_bytes()), fmt="json")


def test_it_omits_empty_optional_values_but_keeps_a_zero_offset():
    data = OutlineData(
        code="T-2",
        version=3,
        title="Đề cương",
        milestones=(MilestoneData("start", "Bắt đầu", "team", offset_working_days=0),),
        sections=(SectionData("1", "Mục", (ItemData("1", "Nội dung", "yes_no"),)),),
    )

    text = dump_outline(data)

    assert list(yaml.safe_load(text)) == [
        "code",
        "version",
        "language",
        "title",
        "milestones",
        "sections",
    ]
    assert "offset_working_days: 0" in text
    assert "title_en" not in text and "text_en" not in text and "offset_days" not in text
    assert parse_outline(text.encode()) == data
    assert list(json.loads(dump_outline(data, fmt="json"))["milestones"][0]) == [
        "key",
        "title",
        "offset_working_days",
        "responsible",
    ]


def test_it_refuses_an_unknown_export_format():
    with pytest.raises(ValueError, match="xml"):
        dump_outline(parse_outline(BASE.encode()), fmt="xml")


# ------------------------------------------------------------------ importing


@pytest.mark.django_db
def test_it_imports_the_plan10_sample_as_a_draft():
    outline = outline_import(
        actor=None, content=PLAN10_YAML.read_bytes(), filename=PLAN10_YAML.name
    )

    assert (outline.code, outline.version, outline.status) == ("KH-10", 1, Outline.Status.DRAFT)
    assert outline.sections.count() == 6
    assert OutlineItem.objects.filter(section__outline=outline).count() == 17
    assert list(
        outline.milestones.order_by("position").values_list("key", "offset_days", "responsible")
    ) == [
        ("decision_announced", 0, "team"),
        ("draft_report_due", -5, "host"),
        ("team_comments_due", 7, "team"),
        ("final_report_due", 15, "host"),
        ("conclusion_due", 30, "coordinator"),
    ]
    assert outline_data(outline) == parse_outline(PLAN10_YAML.read_bytes())


@pytest.mark.django_db
def test_it_imports_and_publishes_retiring_the_previous_version():
    first = outline_import(actor=None, content=PLAN10_YAML.read_bytes(), publish=True)
    second_text = PLAN10_YAML.read_text("utf-8").replace("version: 1", "version: 2")

    second = outline_import(actor=None, content=second_text.encode(), publish=True)

    first.refresh_from_db()
    assert second.status == Outline.Status.PUBLISHED
    assert first.status == Outline.Status.RETIRED


@pytest.mark.django_db
def test_it_saves_nothing_when_the_file_is_invalid():
    before = counts()

    with pytest.raises(OutlineFileError):
        outline_import(actor=None, content=edited("answer: number", "answer: date"))

    assert counts() == before


@pytest.mark.django_db
def test_it_refuses_a_duplicate_version_and_saves_nothing_more():
    outline_import(actor=None, content=BASE.encode())
    before = counts()

    with pytest.raises(ValidationError, match="already has a version 1"):
        outline_import(actor=None, content=BASE.encode())

    assert counts() == before


@pytest.mark.django_db
def test_it_rolls_back_the_whole_import_when_publishing_fails(monkeypatch):
    """GIVEN a valid file
    WHEN publishing it fails after the draft was written
    THEN the draft, its sections, items, milestones and audit events are gone too."""

    def refuse(**kwargs):
        raise ValidationError("publishing is broken")

    monkeypatch.setattr(outlines_service, "outline_publish", refuse)
    before = counts()

    with pytest.raises(ValidationError, match="publishing is broken"):
        outline_import(actor=None, content=BASE.encode(), publish=True)

    assert counts() == before


# ------------------------------------------------------------------ commands


@pytest.mark.django_db
def test_it_imports_a_file_from_the_command_line():
    out = StringIO()

    call_command("import_outline", str(PLAN10_YAML), stdout=out)

    assert "KH-10 v1" in out.getvalue()
    assert "6 sections, 17 items, 5 milestones" in out.getvalue()
    assert Outline.objects.get(code="KH-10").status == Outline.Status.DRAFT


@pytest.mark.django_db
def test_it_imports_and_publishes_from_the_command_line():
    call_command("import_outline", str(PLAN10_YAML), "--publish", stdout=StringIO())

    assert Outline.objects.get(code="KH-10").status == Outline.Status.PUBLISHED


@pytest.mark.django_db
def test_it_names_line_and_key_of_a_bad_file_on_the_command_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(edited("answer: number", "answer: date").replace(b"version: 1", b"version: 0"))

    with pytest.raises(CommandError) as caught:
        call_command("import_outline", str(bad), stdout=StringIO())

    message = str(caught.value)
    assert "nothing was imported" in message
    assert "line 2, version:" in message
    assert "line 25, sections[0].items[1].answer:" in message
    assert Outline.objects.count() == 0


@pytest.mark.django_db
def test_it_reports_a_missing_file_and_a_duplicate_on_the_command_line(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_outline", str(tmp_path / "nope.yaml"))

    call_command("import_outline", str(PLAN10_YAML), stdout=StringIO())
    with pytest.raises(CommandError, match="already has a version 1"):
        call_command("import_outline", str(PLAN10_YAML), stdout=StringIO())


@pytest.mark.django_db
def test_it_exports_the_highest_version_by_default_and_a_chosen_one_on_request():
    sample = PLAN10_YAML.read_text("utf-8")
    outline_import(actor=None, content=sample.encode())
    outline_import(actor=None, content=sample.replace("version: 1", "version: 2").encode())

    latest, first = StringIO(), StringIO()
    call_command("export_outline", "KH-10", stdout=latest)
    call_command("export_outline", "KH-10", "--version", "1", stdout=first)

    assert parse_outline(latest.getvalue().encode()).version == 2
    assert parse_outline(first.getvalue().encode()) == parse_outline(sample.encode())


@pytest.mark.django_db
def test_it_exports_json_and_to_a_file(tmp_path):
    outline_import(actor=None, content=PLAN10_YAML.read_bytes())
    expected = parse_outline(PLAN10_YAML.read_bytes())

    out = StringIO()
    call_command("export_outline", "KH-10", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["code"] == "KH-10"
    assert parse_outline(out.getvalue().encode(), filename="x.json") == expected

    target = tmp_path / "kh10.json"
    call_command("export_outline", "KH-10", "--output", str(target), stdout=StringIO())
    assert target.read_text("utf-8").startswith("{")
    assert parse_outline(target.read_bytes(), filename=target.name) == expected


@pytest.mark.django_db
def test_it_reports_an_unknown_outline_on_export():
    with pytest.raises(CommandError, match="no outline KH-99"):
        call_command("export_outline", "KH-99", stdout=StringIO())
    outline_import(actor=None, content=PLAN10_YAML.read_bytes())
    with pytest.raises(CommandError, match="no version 7 of outline KH-10"):
        call_command("export_outline", "KH-10", version=7, stdout=StringIO())


# ------------------------------------------------------------- hostile files


def test_it_refuses_an_alias_bomb_at_the_first_anchor(yaml_loader):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    bomb = ("\n".join(lines) + "\n").encode()

    with peak_memory() as memory:
        error = refusal(bomb)

    assert where(error) == [("", 1)]
    assert "anchors and aliases" in error.problems[0].message
    assert memory["peak"] < MEMORY_LIMIT


def test_it_refuses_an_alias_even_without_an_anchor(yaml_loader):
    error = refusal(b"code: T-1\ntitle: *a\n")

    assert where(error) == [("", 2)]
    assert "anchors and aliases" in error.problems[0].message


def test_it_refuses_a_20_mb_file_before_reading_it():
    content = b"code: T-1\n" + b"#" * (20 * MB)

    with peak_memory() as memory:
        error = refusal(content)

    assert where(error) == [("", None)]
    assert "the limit is 1000000 bytes" in error.problems[0].message
    # Nothing was decoded or copied: that alone would take 20 MB.
    assert memory["peak"] < 1 * MB


def test_it_applies_the_size_setting(settings):
    settings.OUTLINE_FILE_MAX_BYTES = 1024

    error = refusal(PLAN10_YAML.read_bytes())

    assert "the limit is 1024 bytes" in error.problems[0].message


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" * 100_000, id="flow"),
        pytest.param(b"".join(b" " * i + b"k:\n" for i in range(200)), id="block"),
    ],
)
def test_it_refuses_deep_nesting_in_yaml(yaml_loader, content):
    with peak_memory() as memory:
        error = refusal(content)

    assert error.problems[0].path == ""
    assert "nested more than 32 levels" in error.problems[0].message
    assert memory["peak"] < MEMORY_LIMIT


@pytest.mark.parametrize("filename", ["deep.json", ""])
def test_it_refuses_deep_nesting_in_json(filename):
    content = b"[" * 100_000 + b"]" * 100_000

    with peak_memory() as memory:
        error = refusal(content, filename=filename)

    assert where(error) == [("", 1)]
    assert "nested more than 32 levels" in error.problems[0].message
    assert memory["peak"] < MEMORY_LIMIT


def test_it_does_not_count_brackets_inside_json_strings():
    document = yaml.safe_load(BASE)
    document["title"] = "[" * 400 + "{"
    text = json.dumps(document, ensure_ascii=False)

    assert parse_outline(text.encode(), filename="x.json").title == "[" * 400 + "{"


def test_it_turns_a_recursion_error_into_a_refusal(monkeypatch):
    # Both depth checks switched off: the parser's own recursion is the last guard.
    monkeypatch.setattr(json_reader, "_check_json_depth", lambda text: None)
    monkeypatch.setattr(json_reader, "MAX_DEPTH", 10**9)

    error = refusal(b"[" * 100_000 + b"]" * 100_000, filename="x.json")

    assert "nested more than" in error.problems[0].message


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" + b"1," * 450_000 + b"1]", id="flow"),
        pytest.param(b"- 1\n" * 240_000, id="block"),
    ],
)
def test_it_refuses_a_file_with_too_many_values(yaml_loader, content):
    with peak_memory() as memory:
        error = refusal(content)

    assert "more than 20000 values" in error.problems[0].message
    assert memory["peak"] < MEMORY_LIMIT


def test_it_refuses_a_json_file_with_too_many_values():
    with peak_memory() as memory:
        error = refusal(b"[" + b"1," * 450_000 + b"1]", filename="x.json")

    assert "more than 20000 values" in error.problems[0].message
    assert memory["peak"] < MEMORY_LIMIT


@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        ("!!python/object/apply:os.system", "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!!binary", "!!binary"),
        ("!custom", "!custom"),
    ],
)
def test_it_refuses_python_and_custom_tags_without_running_them(
    yaml_loader, monkeypatch, tag, shown
):
    def forbidden(*args):
        raise AssertionError("os.system was called")

    monkeypatch.setattr(os, "system", forbidden)
    content = edited('title: "Đề cương thử"', f'title: {tag} ["echo pwned"]')

    error = refusal(content)

    assert where(error) == [("", 4)]
    assert f"The YAML tag {shown} is not allowed" in error.problems[0].message


def test_it_refuses_a_merge_key(yaml_loader):
    error = refusal(b"code: T-1\n<<: {title: x}\n")

    assert where(error) == [("", 2)]
    assert "merge keys" in error.problems[0].message


def test_it_refuses_several_yaml_documents(yaml_loader):
    error = refusal(BASE.encode() + b"---\ncode: T-2\n")

    assert where(error) == [("", 32)]
    assert "more than one YAML document" in error.problems[0].message


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "byte-order-mark"])
def test_it_refuses_a_file_that_is_not_utf8(bom):
    content = bom + "code: T-1\ntitle: café\n".encode("latin-1")

    error = refusal(content)

    assert where(error) == [("", 2)]
    assert "not UTF-8" in error.problems[0].message
    assert "0xE9" in error.problems[0].message


def test_it_refuses_control_characters_in_yaml(yaml_loader):
    error = refusal(b"code: T-1\ntitle: a\x07b\n")

    assert where(error) == [("", 2)]
    assert "U+0007" in error.problems[0].message


@pytest.mark.parametrize(
    ("content", "filename"),
    [(b"version: " + b"9" * 5000 + b"\n", ""), (b'{"version": ' + b"9" * 5000 + b"}", "x.json")],
)
def test_it_refuses_numbers_with_thousands_of_digits(content, filename):
    error = refusal(content, filename=filename)

    assert where(error) == [("", 1)]
    assert "too many digits" in error.problems[0].message
