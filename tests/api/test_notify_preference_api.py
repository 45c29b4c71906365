"""The user's `notify` field (SPEC §5 user row) and the notifications' `url`, in the
API: everyone sets their own, a coordinator the people they manage; a value
outside each/digest is a 400 naming the field."""

from __future__ import annotations

import io

import pytest

from checklists.models import User
from checklists.services.reports import report_revision_upload
from tests.checklists.test_reports_uploads import docx_bytes

pytestmark = pytest.mark.django_db


def _patch(client, person: User, **data):
    return client.patch(f"/api/v1/users/{person.pk}/", data, format="json")


def test_it_shows_notify_each_by_default(world, client_for):
    answer = client_for("lead").get(f"/api/v1/users/{world.people.lead.pk}/")
    assert answer.status_code == 200
    assert answer.json()["notify"] == "each"


def test_it_lets_a_person_choose_their_own_digest(world, client_for):
    answer = _patch(client_for("member"), world.people.member, notify="digest")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["notify"] == "digest"
    assert User.objects.get(pk=world.people.member.pk).notify == "digest"


def test_it_lets_a_coordinator_set_it_for_the_people_they_manage(world, client_for):
    answer = _patch(client_for("coordinator_in"), world.people.host_in, notify="digest")
    assert answer.status_code == 200
    assert User.objects.get(pk=world.people.host_in.pk).notify == "digest"


def test_it_refuses_to_set_it_for_someone_else(world, client_for):
    answer = _patch(client_for("member"), world.people.lead, notify="digest")
    assert answer.status_code in (403, 404)
    assert User.objects.get(pk=world.people.lead.pk).notify == "each"


@pytest.mark.parametrize("value", ["weekly", "", None, 1, ["each"]])
def test_it_refuses_a_value_outside_each_and_digest(world, client_for, value):
    answer = _patch(client_for("member"), world.people.member, notify=value)
    assert answer.status_code == 400
    assert "notify" in answer.json()["errors"]
    assert User.objects.get(pk=world.people.member.pk).notify == "each"


def test_it_creates_a_person_with_a_digest(world, client_for):
    answer = client_for("coordinator_all").post(
        "/api/v1/users/",
        {"username": "moi", "email": "moi@example.vn", "notify": "digest"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert User.objects.get(username="moi").notify == "digest"


def test_it_gives_each_loop_notification_the_page_to_open(world, client_for):
    revision = report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(docx_bytes("I. Đặc điểm tình hình", "Nội dung.")),
        filename="bao-cao.docx",
    )
    rows = client_for("lead").get("/api/v1/notifications/?kind=revision_uploaded").json()
    (row,) = rows["results"]
    assert row["kind"] == "revision_uploaded"
    assert row["visit"] == world.visit.pk
    assert row["url"] == f"/visits/{world.visit.pk}/reports/{revision.pk}/"
    assert client_for("host_in").get("/api/v1/notifications/").json()["results"] == []
