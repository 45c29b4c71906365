"""A visit's classification in the domain (SPEC §14): the service and its trail,
the official marks, the e-mail subjects and the admin."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from checklists.classification import Classification, classification_mark, marked
from checklists.errors import NotAllowed
from checklists.models import AuditEvent, Reminder, User, Visit
from checklists.services.reminder_delivery import reminder_send
from checklists.services.visits import visit_change, visit_classify
from tests import factories
from tests.checklists.test_admin import change, changelist, form_data
from tests.checklists.test_reminders_dispatch import build_world, run_pass
from tests.conftest import local

pytestmark = pytest.mark.django_db


def test_it_spells_the_official_marks_once():
    assert [classification_mark(value) for value in Classification.values] == [
        "",
        "MẬT",
        "TỐI MẬT",
        "TUYỆT MẬT",
    ]
    assert marked("top_secret", "Nhắc hạn") == "[TUYỆT MẬT] Nhắc hạn"
    assert marked("none", "Nhắc hạn") == "Nhắc hạn"


def test_it_leaves_a_new_visit_unclassified(world):
    assert world.visit.classification == Visit.Classification.NONE
    assert world.visit.classification_mark == ""


def test_it_classifies_once_and_audits_only_a_change(world):
    coordinator = world.people.coordinator_in
    version = world.visit.row_version
    visit_classify(actor=coordinator, visit=world.visit, classification="confidential")
    visit_classify(actor=coordinator, visit=world.visit, classification="confidential")
    world.visit.refresh_from_db()
    assert world.visit.classification_mark == "MẬT"
    assert world.visit.row_version == version + 1
    (event,) = AuditEvent.objects.filter(action="classify")
    assert event.changes == {"classification": {"from": "none", "to": "confidential"}}


def test_it_refuses_an_unknown_classification(world):
    with pytest.raises(ValidationError) as caught:
        visit_classify(actor=None, visit=world.visit, classification="secret!")
    assert "classification" in caught.value.message_dict


def test_it_refuses_the_team_lead_before_changing_anything(world):
    with pytest.raises(NotAllowed):
        visit_change(
            actor=world.people.lead,
            visit=world.visit,
            fields={"title": "Đổi tên"},
            classification="secret",
        )
    world.visit.refresh_from_db()
    assert world.visit.title == "Kiểm tra tại Hạ Long"


# --- e-mail subjects -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("classification", "prefix"),
    [("confidential", "[MẬT] "), ("secret", "[TỐI MẬT] "), ("top_secret", "[TUYỆT MẬT] ")],
)
@pytest.mark.parametrize("language", ["en", "vi"])
def test_it_puts_the_official_mark_in_front_of_a_reminders_subject(
    classification, prefix, language
):
    w = build_world()
    w.host1.language = language
    w.host1.save(update_fields=["language"])
    visit_classify(actor=None, visit=w.visit, classification=classification)
    run_pass(local(2024, 5, 17, 9))
    reminder = Reminder.objects.get(recipient=w.host1)
    assert reminder_send(reminder_id=reminder.pk) == "sent"
    (message,) = [m for m in mail.outbox if m.to == [w.host1.email]]
    # The Vietnamese mark whatever the recipient's language: it is the legal one.
    assert message.subject.startswith(prefix), message.subject
    assert "Kiểm tra tại Hạ Long" in message.subject


def test_it_sends_an_unclassified_visits_subject_without_a_mark():
    w = build_world()
    run_pass(local(2024, 5, 17, 9))
    reminder_send(reminder_id=Reminder.objects.get(recipient=w.host1).pk)
    (message,) = [m for m in mail.outbox if m.to == [w.host1.email]]
    assert message.subject.startswith("Deadline: ")


# --- the admin ----------------------------------------------------------------------


@pytest.fixture
def client_admin(client, settings):
    # As tests/checklists/test_admin.py: plain static files, a superuser.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client.force_login(factories.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_it_classifies_a_visit_in_the_admin_through_the_service(client_admin, world):
    visit = world.visit
    superuser = User.objects.get(username="root")
    data = form_data(client_admin.get(change(visit)))
    assert data["classification"] == "none"
    data["classification"] = "top_secret"
    data["_save"] = "Save"
    response = client_admin.post(change(visit), data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.classification == "top_secret"
    event = AuditEvent.objects.get(action="classify", visit_id=visit.pk)
    assert event.actor == superuser
    assert "TUYỆT MẬT" in client_admin.get(changelist(Visit)).content.decode()
    filtered = client_admin.get(changelist(Visit) + "?classification__exact=top_secret")
    assert reverse("admin:checklists_visit_change", args=[visit.pk]) in filtered.content.decode()
