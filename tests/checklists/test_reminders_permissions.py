"""Who may act on reminders and notifications: decided by the services, whatever
the door (admin, API, pages)."""

from __future__ import annotations

import pytest
from django.contrib import admin, messages
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage

from checklists.admin.activity import ReminderAdmin
from checklists.errors import NotAllowed, NotFound
from checklists.models import AuditEvent, Notification, Reminder
from checklists.services.notifications import notification_mark_read
from checklists.services.reminder_delivery import reminder_retry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_reminder(plan10_outline) -> Reminder:
    # Under a province, so that the province's coordinator is in scope.
    return factories.failed_reminder(
        plan10_outline, host_unit=factories.UnitFactory(parent=factories.UnitFactory())
    )


def _assert_untouched(reminder: Reminder) -> None:
    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (Reminder.State.FAILED, 5)
    assert not AuditEvent.objects.filter(action="retry").exists()


def test_it_lets_a_coordinator_of_the_visit_retry_a_failed_reminder(failed_reminder):
    province = failed_reminder.milestone.visit.host_unit.parent
    assert reminder_retry(actor=factories.coordinator(province), reminder=failed_reminder)
    failed_reminder.refresh_from_db()
    assert (failed_reminder.state, failed_reminder.attempts) == (Reminder.State.PENDING, 0)


def test_it_refuses_a_retry_to_a_coordinator_of_another_unit(failed_reminder):
    elsewhere = factories.coordinator(factories.UnitFactory())
    with pytest.raises(NotAllowed):
        reminder_retry(actor=elsewhere, reminder=failed_reminder)
    _assert_untouched(failed_reminder)


def test_it_refuses_a_retry_to_the_visits_team(failed_reminder):
    member = factories.team_member(failed_reminder.milestone.visit)
    with pytest.raises(NotAllowed):
        reminder_retry(actor=member, reminder=failed_reminder)
    _assert_untouched(failed_reminder)


def test_it_shows_the_refusal_of_a_retry_in_the_admin(rf, failed_reminder):
    """GIVEN a reminder of a visit the coordinator does not coordinate (the admin
    lists only theirs, so the action is called directly), WHEN they retry it, THEN
    the service's refusal is an error message and nothing changed."""
    request = rf.post("/admin/checklists/reminder/")
    request.user = factories.coordinator(factories.UnitFactory(), is_staff=True)
    request.session = {}
    request._messages = FallbackStorage(request)
    model_admin = ReminderAdmin(Reminder, admin.site)
    model_admin.retry_failed(request, Reminder.objects.filter(pk=failed_reminder.pk))
    shown = [(m.level, str(m)) for m in get_messages(request)]
    assert shown == [(messages.ERROR, "Only a coordinator of this visit may retry its reminders.")]
    _assert_untouched(failed_reminder)


def test_it_marks_only_ones_own_notification_read(failed_reminder):
    owner, other = failed_reminder.recipient, factories.UserFactory()
    notification = Notification.objects.create(recipient=owner, title="t", body="b")
    with pytest.raises(NotFound):
        notification_mark_read(actor=other, notification=notification)
    notification.refresh_from_db()
    assert notification.read_at is None
    notification_mark_read(actor=owner, notification=notification)
    notification.refresh_from_db()
    assert notification.read_at is not None
