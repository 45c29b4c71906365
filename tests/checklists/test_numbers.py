"""Numbers as people write them (SPEC §3): read and shown in the person's language,
refused with the expected form when the grouping is not valid for the language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from checklists.numbers import format_number, parse_number
from checklists.services.checklist import checklist_item_update
from web.forms import answer_as_text


@pytest.mark.parametrize(
    ("language", "text", "number"),
    [
        # The seed reports' own figures: "4.486 đảng viên", "244", and a decimal.
        ("vi", "4.486", Decimal("4486")),
        ("vi", "244", Decimal("244")),
        ("vi", "1.234,5", Decimal("1234.5")),
        ("vi", "1234,5", Decimal("1234.5")),
        ("vi", " -3,5 ", Decimal("-3.5")),
        ("en", "4,486", Decimal("4486")),
        ("en", "1,234.5", Decimal("1234.5")),
        ("en", "4.5", Decimal("4.5")),
        ("en", "244", Decimal("244")),
    ],
)
def test_it_reads_a_number_in_the_persons_language(language, text, number):
    assert parse_number(text, language=language) == number


@pytest.mark.parametrize(
    ("language", "text", "expected_form"),
    [
        ("vi", "4.5", "1.234,5"),  # a grouping dot needs three digits after it
        ("vi", "1,234.5", "1.234,5"),  # the English way, in Vietnamese
        ("vi", "1.2.3", "1.234,5"),
        ("en", "1.234,5", "1,234.5"),
        ("en", "4,5", "1,234.5"),
        ("en", "1234,5", "1,234.5"),
        ("vi", "NaN", "1.234,5"),
        ("vi", "1e3", "1.234,5"),
        ("vi", "1_000", "1.234,5"),
        ("vi", "nhiều", "1.234,5"),
    ],
)
def test_it_refuses_a_number_not_written_the_languages_way(language, text, expected_form):
    with pytest.raises(ValidationError) as refused:
        parse_number(text, language=language)
    assert expected_form in refused.value.messages[0]


def test_it_writes_a_number_as_the_language_does():
    assert format_number(4486, language="vi") == "4.486"
    assert format_number(1234.5, language="vi") == "1.234,5"
    assert format_number(4486, language="en") == "4,486"
    assert format_number(0.125, language="en") == "0.125"


@pytest.mark.django_db
def test_it_stores_what_the_person_meant_in_their_language(world):
    item = world.visit.checklist.create(
        origin="visit", section_number="X", section_title="X", number="9", text="Số đảng viên",
        answer_type="number",
    )  # fmt: skip
    with translation.override("vi"):
        assert checklist_item_update(actor=None, item=item, answer="4.486").answer == 4486
        assert answer_as_text("number", 4486) == "4.486"
        assert checklist_item_update(actor=None, item=item, answer="1.234,5").answer == 1234.5
    with translation.override("en"):
        assert checklist_item_update(actor=None, item=item, answer="4,486").answer == 4486
        assert answer_as_text("number", 1234.5) == "1,234.5"
        with pytest.raises(ValidationError):
            checklist_item_update(actor=None, item=item, answer="1.234,5")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "sent", "stored"),
    [("vi", "4.486", 4486), ("vi", "1.234,5", 1234.5), ("en", "4,486", 4486), ("en", "4.5", 4.5)],
)
def test_it_reads_an_api_string_in_the_requests_language(
    world, api_client, accept_language, sent, stored
):
    api_client.force_authenticate(world.people.lead)
    item = world.visit.checklist.create(
        origin="visit", section_number="X", section_title="X", number="9", text="Số đảng viên",
        answer_type="number",
    )  # fmt: skip
    response = api_client.patch(
        f"/api/v1/checklist-items/{item.pk}/",
        {"answer": sent},
        format="json",
        headers={"accept-language": accept_language},
    )
    assert response.status_code == 200, response.content
    assert response.json()["answer"] == stored  # canonical: a JSON number


@pytest.mark.django_db
def test_it_refuses_an_api_string_with_the_wrong_grouping_naming_the_form(world, api_client):
    api_client.force_authenticate(world.people.lead)
    item = world.visit.checklist.create(
        origin="visit", section_number="X", section_title="X", number="9", text="Số đảng viên",
        answer_type="number",
    )  # fmt: skip
    response = api_client.patch(
        f"/api/v1/checklist-items/{item.pk}/",
        {"answer": "4.5"},
        format="json",
        headers={"accept-language": "vi"},
    )
    assert response.status_code == 400
    assert "1.234,5" in " ".join(response.json()["errors"]["answer"])
    item.refresh_from_db()
    assert item.answer is None


@pytest.mark.django_db
def test_it_lists_the_number_answers_stored_with_a_fraction(world):
    from io import StringIO

    from django.core.management import call_command

    misread = world.visit.checklist.create(
        origin="visit", section_number="X", section_title="X", number="1", text="Số đảng viên",
        answer_type="number", answer=4.486,
    )  # fmt: skip
    world.visit.checklist.create(
        origin="visit", section_number="X", section_title="X", number="2", text="Số chi bộ",
        answer_type="number", answer=214,
    )  # fmt: skip
    out = StringIO()

    call_command("number_answers_to_check", stdout=out)

    assert f"(id {misread.pk}): 4.486" in out.getvalue()
    assert "= 4,486 (vi) — 4.486 if a grouped thousand?" in out.getvalue()
    assert "1 number answer(s)" in out.getvalue()
