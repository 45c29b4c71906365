"""Titles, names and codes are one line at every door (SPEC §14, issue 17 item 0):
a line break, a tab, another control character or a Unicode line separator is
refused with a 400 naming the field (API), a form error (pages, admin), and
nothing is stored. And a calendar feed created without a name gets one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from checklists.models import CalendarFeed, Milestone, Unit, Visit
from tests import factories
from tests.checklists.test_admin import _plain_static_files, form_data  # noqa: F401

pytestmark = pytest.mark.django_db

INJECTED = "Evil\r\nBcc: attacker@example.com"
BAD_TEXTS = [INJECTED, "tab\there", "nul\x00", "del\x7f", "n\x85el", "line\u2028sep", "pa\u2029ra"]


def field_errors(response) -> dict:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"]


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_it_refuses_a_milestone_title_that_is_not_one_line(world, client_for, text):
    response = client_for("coordinator_in").post(
        f"/api/v1/visits/{world.visit.pk}/milestones/",
        {"key": "evil", "title": text, "due_date": "2024-06-01", "responsible": "host"},
        format="json",
    )
    assert "title" in field_errors(response)
    assert not Milestone.objects.filter(key="evil").exists()


def test_it_names_the_characters_it_refuses(world, client_for):
    response = client_for("coordinator_in").post(
        f"/api/v1/visits/{world.visit.pk}/milestones/",
        {"key": "evil", "title": INJECTED, "due_date": "2024-06-01", "responsible": "host"},
        format="json",
    )
    (message,) = field_errors(response)["title"]
    assert "U+000D (CARRIAGE RETURN)" in message and "U+000A (LINE FEED)" in message


def test_it_refuses_a_visit_title_code_and_session_location_on_several_lines(world, client_for):
    client = client_for("coordinator_in")
    session = {"start": "2024-07-01T08:00:00+07:00", "end": "2024-07-01T11:00:00+07:00"}
    body = {
        "outline": world.outline.pk,
        "host_unit": world.district.pk,
        "title": "Kiểm tra\nlần 2",
        "code": "KT\t2",
        "decision_ref": "QĐ\r\n1",
        "sessions": [session],
    }
    errors = field_errors(client.post("/api/v1/visits/", body, format="json"))
    assert {"title", "code", "decision_ref"} <= set(errors)

    body.update(title="Kiểm tra lần 2", code="KT-2", decision_ref="")
    body["sessions"] = [{**session, "location": "Hạ Long\nBcc: x@y"}]
    errors = field_errors(client.post("/api/v1/visits/", body, format="json"))
    assert "sessions[0].location" in errors

    patch = client.patch(f"/api/v1/visits/{world.visit.pk}/", {"title": "a\u2028b"}, format="json")
    assert "title" in field_errors(patch)
    world.visit.refresh_from_db()
    assert world.visit.title == "Kiểm tra tại Hạ Long"


def test_it_refuses_a_unit_name_and_a_person_name_on_several_lines(world, client_for):
    client = client_for("coordinator_all")
    response = client.patch(
        f"/api/v1/units/{world.district.pk}/", {"name": "Hạ\nLong"}, format="json"
    )
    assert "name" in field_errors(response)
    response = client.patch(
        f"/api/v1/users/{world.people.lead.pk}/", {"full_name": "Lê\r\nVăn"}, format="json"
    )
    assert "full_name" in field_errors(response)


def test_it_refuses_a_feed_name_on_several_lines(world, client_for):
    response = client_for("lead").post(
        "/api/v1/calendar/feeds/", {"name": "Outlook\r\nX-Evil: 1"}, format="json"
    )
    assert "name" in field_errors(response)
    assert not CalendarFeed.objects.exists()


def test_it_shows_the_refusal_beside_the_field_of_a_page(world, web_client_for):
    response = web_client_for("lead").post(
        reverse("web:calendar_feed_create"), {"name": "Outlook\nX-Evil: 1"}
    )
    assert response.status_code == 422
    assert "one line" in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_it_shows_the_refusal_beside_the_field_of_the_admin(world, client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:checklists_unit_change", args=[world.district.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {**form_data(page), "name": "Hạ\r\nLong"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert Unit.objects.get(pk=world.district.pk).name == "Hạ Long"


# --- Feed names -------------------------------------------------------------------------


def created_name(client, **body) -> str:
    response = client.post("/api/v1/calendar/feeds/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["name"]


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}])
def test_it_names_a_feed_created_without_a_name_in_the_owners_language(world, client_for, body):
    lead = world.people.lead
    lead.language = "vi"
    lead.save(update_fields=["language"])
    assert created_name(client_for("lead"), **body) == "Các đợt kiểm tra"
    lead.language = "en"
    lead.save(update_fields=["language"])
    assert created_name(client_for("lead"), **body) == "Inspection visits"


def test_it_names_a_narrowed_feed_after_its_visit_number_or_unit(world, client_for):
    client = client_for("coordinator_in")
    visit_name = created_name(client, visit=world.visit.pk)
    assert world.visit.code in visit_name
    # Never the title: a classified visit's title stays out of feeds.
    assert world.visit.title not in visit_name
    assert world.district.name in created_name(client, host_unit=world.district.pk)


def test_it_trims_a_feed_name(world, client_for):
    assert created_name(client_for("lead"), name="  Outlook  ") == "Outlook"


def test_it_refuses_a_visit_title_and_session_location_on_several_lines_in_the_admin(world, client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:checklists_visit_add"),
        {
            "outline": world.outline.pk,
            "host_unit": world.district.pk,
            "title": "Kiểm tra\r\nlần 3",
            "code": "KT3",
            "session_start_0": "2024-07-01",
            "session_start_1": "08:00",
            "session_end_0": "2024-07-01",
            "session_end_1": "11:30",
            "session_location": "Hạ Long\nBcc: x@y",
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"title", "session_location"} <= set(errors)
    assert not Visit.objects.filter(code="KT3").exists()
