"""Notifications and the reminder log in the API (SPEC §5): fields, who sees what
(404 for the rest), marking read."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from checklists.models import Notification, Reminder
from checklists.services.reminder_dispatch import reminder_dispatch_due
from tests.conftest import local

pytestmark = pytest.mark.django_db

# `url` joined with issue 12 (the page the notification leads to).
NOTIFICATION_FIELDS = {
    "id", "kind", "title", "body", "milestone", "recommendation", "visit", "url",
    "created_at", "read_at",
}  # fmt: skip
# `last_error` joined with issue 17 (a failed reminder shows its reason).
REMINDER_FIELDS = {
    "id",
    "milestone",
    "recommendation",
    "recipient",
    "offset",
    "state",
    "sent_at",
    "attempts",
    "last_error",
}


@pytest.fixture
def reminded(world):
    """The pass on the due day of the visit's draft-report deadline (host side,
    8 May 2024) and of the team's decision announcement (13 May)."""
    for now in (local(2024, 5, 8, 9), local(2024, 5, 13, 9), local(2024, 5, 14, 9)):
        with time_machine.travel(now, tick=False), TestCase.captureOnCommitCallbacks():
            reminder_dispatch_due(now=now, enqueue=lambda pk: None)
    return world


def test_it_lists_only_ones_own_notifications(reminded, client_for):
    answer = client_for("host_in").get("/api/v1/notifications/")
    assert answer.status_code == 200
    rows = answer.json()["results"]
    mine = Notification.objects.filter(recipient=reminded.people.host_in)
    assert {row["id"] for row in rows} == set(mine.values_list("pk", flat=True))
    assert rows and set(rows[0]) == NOTIFICATION_FIELDS
    assert rows[0]["visit"] == reminded.visit.pk
    # A reminder leads to its visit's page.
    assert rows[0]["url"] == f"/visits/{reminded.visit.pk}/"
    # host_out's are all about their own unit's visit.
    theirs = client_for("host_out").get("/api/v1/notifications/").json()["results"]
    assert theirs and {row["visit"] for row in theirs} == {reminded.other_visit.pk}
    assert client_for("anonymous").get("/api/v1/notifications/").status_code == 401


def test_it_marks_a_notification_read_once(reminded, client_for):
    notification = Notification.objects.filter(recipient=reminded.people.lead).first()
    client = client_for("lead")
    with time_machine.travel(local(2024, 5, 14, 10), tick=False):
        first = client.post(f"/api/v1/notifications/{notification.pk}/read/")
    with time_machine.travel(local(2024, 5, 14, 11), tick=False):
        second = client.post(f"/api/v1/notifications/{notification.pk}/read/")
    assert first.status_code == second.status_code == 200
    assert first.json()["read_at"] == second.json()["read_at"]
    assert dt.datetime.fromisoformat(first.json()["read_at"]) == local(2024, 5, 14, 10)
    unread = client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert notification.pk not in {row["id"] for row in unread}


def test_it_hides_another_persons_notification(reminded, client_for):
    notification = Notification.objects.filter(recipient=reminded.people.lead).first()
    answer = client_for("member").post(f"/api/v1/notifications/{notification.pk}/read/")
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("application/problem+json")
    assert client_for("member").post("/api/v1/notifications/99999999/read/").status_code == 404


def test_it_shows_the_reminder_log_to_the_team_and_coordinators(reminded, client_for):
    milestone = reminded.visit.milestones.get(key="draft_report_due")
    url = f"/api/v1/milestones/{milestone.pk}/reminders/"
    expected = set(Reminder.objects.filter(milestone=milestone).values_list("pk", flat=True))
    assert len(expected) >= 3  # host_in, plus the coordinators' escalation
    for role in ("coordinator_in", "lead", "member"):
        rows = client_for(role).get(url).json()["results"]
        assert {row["id"] for row in rows} == expected, role
    row = client_for("lead").get(url).json()["results"][0]
    assert set(row) == REMINDER_FIELDS


def test_it_shows_a_host_contact_only_their_own_reminders(reminded, client_for):
    milestone = reminded.visit.milestones.get(key="draft_report_due")
    rows = client_for("host_in").get(f"/api/v1/milestones/{milestone.pk}/reminders/").json()
    assert {row["recipient"] for row in rows["results"]} == {reminded.people.host_in.pk}
    assert "0d" in {row["offset"] for row in rows["results"]}


@pytest.mark.parametrize("role", ["coordinator_out", "host_out"])
def test_it_answers_404_to_those_who_cannot_see_the_visit(reminded, client_for, role):
    milestone = reminded.visit.milestones.get(key="draft_report_due")
    answer = client_for(role).get(f"/api/v1/milestones/{milestone.pk}/reminders/")
    assert answer.status_code == 404


def test_it_filters_the_log_by_state(reminded, client_for):
    milestone = reminded.visit.milestones.get(key="draft_report_due")
    url = f"/api/v1/milestones/{milestone.pk}/reminders/"
    assert client_for("lead").get(url + "?state=sent").json()["results"] == []
    assert client_for("lead").get(url + "?state=bogus").status_code == 400


def test_the_notification_list_takes_a_constant_number_of_queries(
    reminded, client_for, django_assert_max_num_queries
):
    client = client_for("coordinator_in")
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/notifications/").status_code == 200
