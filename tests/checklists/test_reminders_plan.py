"""The offset arithmetic of SPEC §8 (checklists.reminder_plan), without a database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from checklists.reminder_plan import (
    deadline_end,
    due_in_track,
    milestone_plan,
    offset_days,
    offset_label,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
OFFSETS = ["-7d", "-3d", "-1d", "0d", *(f"+{n}d" for n in range(1, 8))]
DUE = dt.date(2024, 5, 20)


def at(day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 5, day, hour, minute, tzinfo=HCM)


def plan():
    return milestone_plan(DUE, offsets=OFFSETS, escalation_days=1, hour=8, tz=HCM)


def test_it_reads_and_writes_offset_labels():
    assert [offset_days(label) for label in ("-7d", "0d", "+3d")] == [-7, 0, 3]
    assert [offset_label(d) for d in (-7, 0, 3)] == ["-7d", "0d", "+3d"]


def test_it_puts_each_offset_at_the_reminder_hour_local_time():
    regular = plan().regular
    assert [s.offset for s in regular] == OFFSETS
    assert regular[0].at == at(13)
    assert regular[3].at == at(20)
    assert regular[-1].at == at(27)
    # 08:00 in Hồ Chí Minh City is 01:00 UTC.
    assert regular[0].at.astimezone(dt.UTC).hour == 1


def test_it_makes_a_milestone_due_at_the_end_of_its_day():
    assert deadline_end(DUE, tz=HCM) == dt.datetime(2024, 5, 21, 0, 0, tzinfo=HCM)


def test_it_escalates_once_a_day_after_the_deadline():
    (escalation,) = plan().escalation
    assert escalation.at == at(21)
    assert escalation.until == at(28)


def test_it_sends_only_the_latest_offset_after_downtime_and_skips_the_rest():
    due = due_in_track(plan().regular, since=at(13), now=at(22, 10), first_plan=False)
    assert due.send.offset == "+2d"
    assert [s.offset for s in due.skip] == ["-7d", "-3d", "-1d", "0d", "+1d"]


def test_it_sends_nothing_once_the_last_offset_has_passed():
    due = due_in_track(plan().regular, since=at(26), now=at(29, 9), first_plan=False)
    assert due.send is None
    assert [s.offset for s in due.skip] == ["+6d", "+7d"]


def test_it_sends_the_current_offset_on_a_first_plan_without_marking_the_past_skipped():
    due = due_in_track(plan().regular, since=at(1), now=at(18, 9), first_plan=True)
    assert due.send.offset == "-3d"
    assert due.skip == ()


def test_it_waits_for_the_reminder_hour():
    due = due_in_track(plan().regular, since=at(13), now=at(13, 7, 59), first_plan=False)
    assert due.send is None and due.skip == ()
    assert plan().next_at(at(13, 7, 59)) == at(13)
    assert plan().next_at(at(13, 8)) == at(17)
    assert plan().next_at(at(27, 8)) is None
