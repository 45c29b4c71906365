"""Reminders, notifications and report revisions in the admin."""

from __future__ import annotations

import pytest

from checklists.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_reminder(plan10_outline):
    return factories.failed_reminder(plan10_outline)


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
