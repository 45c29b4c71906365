"""The iCalendar rendering of the calendar (checklists.calendar): valid RFC 5545,
checked by the strict `ical` parser as well as `icalendar`, and by reading the
raw text."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.utils import translation
from ical.calendar_stream import IcsCalendarStream

from checklists.calendar import EventFilters, Window, calendar_rows, calendar_to_ics
from checklists.models import Milestone, Visit
from checklists.services.checklist import milestone_reschedule
from checklists.services.visits import (
    SessionInput,
    visit_create,
    visit_reschedule,
    visit_transition,
)
from tests import factories
from tests.conftest import local

WINDOW = Window(start=local(2024, 1, 1, 0), end=local(2025, 1, 1, 0))


def check_ics(body: bytes) -> icalendar.Calendar:
    """Fail on anything RFC 5545 refuses; the calendar, parsed by `icalendar`."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n")
    # CRLF only: no bare LF, no bare CR.
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    too_long = [line for line in lines if len(line.encode("utf-8")) > 75]
    assert not too_long, too_long
    # The strict parser raises on any error (bad dates, unknown zones, bad values).
    strict = IcsCalendarStream.calendar_from_ics(text)
    assert strict.prodid and strict.version == "2.0"
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    # No METHOD: with METHOD:PUBLISH, libical's restriction check wants an ORGANIZER.
    assert "METHOD" not in calendar
    assert str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"])
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    # The strict parser accepts a missing DTSTAMP: check every event by hand.
    events = calendar.walk("VEVENT")
    assert len(events) == len(strict.events)
    for event in events:
        for name in ("UID", "DTSTAMP", "DTSTART", "SEQUENCE"):
            assert name in event, (name, event)
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids))
    return calendar


def _render(user, *, filters: EventFilters | None = None, language: str = "en") -> bytes:
    rows = calendar_rows(user=user, window=WINDOW, filters=filters or EventFilters(), detailed=True)
    with translation.override(language):
        return calendar_to_ics(rows, name="Lịch kiểm tra của tôi — một tên dài " * 3)


def _by_uid(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


@pytest.fixture
def visit(plan10_outline):
    unit = factories.UnitFactory(name="Phường Hồng Hải, thành phố Hạ Long, tỉnh Quảng Ninh")
    start = local(2024, 5, 13, 8)
    return visit_create(
        actor=None,
        outline=plan10_outline,
        host_unit=unit,
        title="Kiểm tra công tác bảo vệ chính trị nội bộ tại Đảng bộ phường Hồng Hải " * 2,
        code="KT-HH",
        sessions=[
            SessionInput(
                start=start,
                end=start + dt.timedelta(hours=3),
                location="Hội trường Ủy ban nhân dân phường, số 1 đường Lê Thánh Tông",
            ),
            SessionInput(
                start=start + dt.timedelta(days=1), end=start + dt.timedelta(days=1, hours=4)
            ),
        ],
    )


@pytest.fixture
def everyone(db):
    return factories.coordinator()


def test_it_renders_valid_rfc5545(visit, everyone):
    calendar = check_ics(_render(everyone))
    events = _by_uid(calendar)
    assert len(events) == 2 + 5
    session = events[f"session-{visit.sessions.order_by('start').first().pk}"]
    # Times in UTC.
    assert session["DTSTART"].dt == dt.datetime(2024, 5, 13, 1, tzinfo=dt.UTC)
    assert session["DTEND"].dt == dt.datetime(2024, 5, 13, 4, tzinfo=dt.UTC)
    assert str(session["STATUS"]) == "CONFIRMED"
    assert "Hội trường" in str(session["LOCATION"])


def test_it_renders_milestones_as_all_day_events(visit, everyone):
    text = _render(everyone).decode()
    milestone = visit.milestones.get(key="draft_report_due")
    event = _by_uid(check_ics(text.encode()))[f"milestone-{milestone.pk}"]
    assert event["DTSTART"].dt == dt.date(2024, 5, 8)
    assert event["DTEND"].dt == dt.date(2024, 5, 9)
    assert "DTSTART;VALUE=DATE:20240508" in text.split("\r\n")
    assert "DTEND;VALUE=DATE:20240509" in text.split("\r\n")


def test_it_stamps_each_event_with_its_last_change_not_the_time_of_the_request(visit, everyone):
    first = _by_uid(check_ics(_render(everyone)))
    again = _by_uid(check_ics(_render(everyone)))
    assert {uid: e["DTSTAMP"].dt for uid, e in first.items()} == {
        uid: e["DTSTAMP"].dt for uid, e in again.items()
    }
    session = visit.sessions.order_by("start").first()
    stamp = first[f"session-{session.pk}"]["DTSTAMP"].dt
    visit.refresh_from_db()
    assert stamp == max(session.updated_at, visit.updated_at).replace(microsecond=0)


def test_it_raises_sequence_when_a_visit_or_milestone_moves(visit, everyone):
    before = _by_uid(check_ics(_render(everyone)))
    visit_reschedule(actor=None, visit=visit, first_session_start=local(2024, 6, 3, 8))
    after = _by_uid(check_ics(_render(everyone)))
    assert set(before) == set(after)
    for uid, event in after.items():
        assert event["SEQUENCE"] == before[uid]["SEQUENCE"] + 1, uid
        assert event["DTSTAMP"].dt >= before[uid]["DTSTAMP"].dt
    milestone = visit.milestones.get(key="conclusion_due")
    uid = f"milestone-{milestone.pk}"
    milestone_reschedule(actor=None, milestone=milestone, due_date=dt.date(2024, 8, 1))
    moved = _by_uid(check_ics(_render(everyone)))
    assert moved[uid]["SEQUENCE"] == after[uid]["SEQUENCE"] + 1
    assert moved[uid]["DTSTART"].dt == dt.date(2024, 8, 1)


def test_it_keeps_a_cancelled_visits_events_as_cancelled_with_a_higher_sequence(visit, everyone):
    before = _by_uid(check_ics(_render(everyone)))
    visit_transition(actor=None, visit=visit, to=Visit.Status.CANCELLED)
    after = _by_uid(check_ics(_render(everyone)))
    assert set(after) == set(before)
    for uid, event in after.items():
        assert str(event["STATUS"]) == "CANCELLED"
        assert event["SEQUENCE"] > before[uid]["SEQUENCE"]
        # Seconds are DTSTAMP's resolution: the same second is possible in a test.
        assert event["DTSTAMP"].dt >= before[uid]["DTSTAMP"].dt


def test_it_titles_events_in_the_language_asked(visit, everyone):
    milestone = visit.milestones.get(key="draft_report_due")
    Milestone.objects.filter(pk=milestone.pk).update(title_en="Host submits the draft report")
    uid = f"milestone-{milestone.pk}"
    english = _by_uid(check_ics(_render(everyone, language="en")))
    vietnamese = _by_uid(check_ics(_render(everyone, language="vi")))
    assert str(english[uid]["SUMMARY"]).startswith("Host submits the draft report")
    assert str(vietnamese[uid]["SUMMARY"]).startswith("Đơn vị nộp dự thảo báo cáo")


def test_it_renders_an_empty_calendar_validly(db):
    nobody = factories.UserFactory()
    calendar = check_ics(_render(nobody))
    assert calendar.walk("VEVENT") == []


def test_it_narrows_to_one_visit(visit, everyone, plan10_outline):
    other = visit_create(
        actor=None,
        outline=plan10_outline,
        host_unit=visit.host_unit,
        title="Another",
        sessions=[SessionInput(start=local(2024, 7, 1, 8), end=local(2024, 7, 1, 10))],
    )
    both = check_ics(_render(everyone))
    only = check_ics(_render(everyone, filters=EventFilters(visit=other.pk)))
    assert len(both.walk("VEVENT")) == 7 + 6
    assert len(only.walk("VEVENT")) == 6
