"""Reminders, notifications and report revisions in the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from checklists.models import AuditEvent, Reminder
from checklists.services.visits import SessionInput, visit_create
from tests import factories
from tests.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_reminder(plan10_outline):
    start = local(2024, 5, 13)
    visit = visit_create(
        actor=None,
        outline=plan10_outline,
        host_unit=factories.UnitFactory(),
        title="Kiểm tra",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=2))],
    )
    return Reminder.objects.create(
        milestone=visit.milestones.first(),
        recipient=factories.UserFactory(),
        offset="-1d",
        due_at=timezone.now(),
        state=Reminder.State.FAILED,
        attempts=5,
        lease_until=timezone.now(),
        last_error="SMTP 451",
    )


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("model", ["reminder", "notification", "reportrevision"])
def test_it_lists_what_the_system_did(admin_client, failed_reminder, model):
    response = admin_client.get(f"/admin/checklists/{model}/")
    assert response.status_code == 200


def test_it_shows_a_failed_reminder_read_only(admin_client, failed_reminder):
    response = admin_client.get(f"/admin/checklists/reminder/{failed_reminder.pk}/change/")
    assert response.status_code == 200
    assert "SMTP 451" in response.content.decode()
    assert not response.context["has_change_permission"]


def test_it_retries_failed_reminders_at_the_next_pass(admin_client, failed_reminder):
    response = admin_client.post(
        "/admin/checklists/reminder/",
        {"action": "retry_failed", "_selected_action": [failed_reminder.pk]},
        follow=True,
    )
    assert response.status_code == 200
    failed_reminder.refresh_from_db()
    assert (failed_reminder.state, failed_reminder.attempts) == ("pending", 0)
    assert AuditEvent.objects.filter(action="retry", object_id=str(failed_reminder.pk)).exists()
