import datetime as dt

import pytest

from checklists.workdays import WorkCalendar

D = dt.date


def test_it_counts_calendar_days_including_negative_offsets():
    calendar = WorkCalendar()
    assert calendar.due_date(D(2024, 5, 13), offset_days=-5, offset_working_days=None) == D(
        2024, 5, 8
    )
    assert calendar.due_date(D(2024, 5, 13), offset_days=30, offset_working_days=None) == D(
        2024, 6, 12
    )


def test_it_skips_weekends_when_counting_working_days():
    calendar = WorkCalendar()
    # Friday 2024-05-10 + 1 working day = Monday 2024-05-13.
    assert calendar.add_working_days(D(2024, 5, 10), 1) == D(2024, 5, 13)
    assert calendar.add_working_days(D(2024, 5, 13), -1) == D(2024, 5, 10)
    assert calendar.add_working_days(D(2024, 5, 13), 0) == D(2024, 5, 13)


def test_it_skips_tet_holidays():
    calendar = WorkCalendar()
    # Tết 2025: 27 Jan – 1 Feb are holidays (library data); Friday 24 Jan + 1
    # working day is Monday 3 Feb.
    assert not calendar.is_working_day(D(2025, 1, 29))
    assert calendar.add_working_days(D(2025, 1, 24), 1) == D(2025, 2, 3)
    # Tết 2026: 16–20 Feb.
    assert calendar.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 23)


def test_it_skips_other_public_holidays():
    calendar = WorkCalendar()
    # 30/4 and 1/5/2024 (Tuesday, Wednesday) are holidays.
    assert calendar.add_working_days(D(2024, 4, 29), 1) == D(2024, 5, 2)


def test_it_skips_a_declared_extra_day_off_and_counts_a_make_up_working_day():
    calendar = WorkCalendar.from_declared([(D(2025, 2, 3), "off"), (D(2025, 2, 8), "working")])
    # Friday 24 Jan + 1 → Tết until 1 Feb, Monday 3 Feb declared off → Tuesday 4 Feb.
    assert calendar.add_working_days(D(2025, 1, 24), 1) == D(2025, 2, 4)
    # Saturday 8 Feb 2025 is a declared make-up working day.
    assert calendar.add_working_days(D(2025, 2, 7), 1) == D(2025, 2, 8)


@pytest.mark.parametrize("count", [-40, -7, 0, 3, 40])
def test_it_lands_on_a_working_day_for_any_nonzero_count(count):
    calendar = WorkCalendar()
    result = calendar.add_working_days(D(2025, 1, 20), count)
    assert count == 0 or calendar.is_working_day(result)


# --- deadlines counted in calendar days land on working days (SPEC §3, Civil Code Art. 148)


@pytest.mark.parametrize(
    ("anchor", "offset", "due", "rolled_from"),
    [
        # Monday 13 May 2024 + 5 days = Saturday 18 May → Monday 20 May.
        (D(2024, 5, 13), 5, D(2024, 5, 20), D(2024, 5, 18)),
        # Friday 27 Dec 2024 + 5 days = 1 January 2025 (New Year's Day) → Thursday 2 Jan.
        (D(2024, 12, 27), 5, D(2025, 1, 2), D(2025, 1, 1)),
        # Tết 2025 (27 Jan – 31 Jan off, then the weekend): Monday 20 Jan + 8 → Monday 3 Feb.
        (D(2025, 1, 20), 8, D(2025, 2, 3), D(2025, 1, 28)),
        # Counted backward from day 0, to the previous working day: Monday 20 May 2024
        # − 2 days = Saturday 18 May → Friday 17 May.
        (D(2024, 5, 20), -2, D(2024, 5, 17), D(2024, 5, 18)),
        # A working day stays; day 0 never moves, even on a Saturday.
        (D(2024, 5, 13), 2, D(2024, 5, 15), None),
        (D(2024, 5, 18), 0, D(2024, 5, 18), None),
    ],
)
def test_it_moves_a_calendar_day_deadline_off_a_day_off(anchor, offset, due, rolled_from):
    dated = WorkCalendar().dated(anchor, offset_days=offset, offset_working_days=None)
    assert (dated.date, dated.rolled_from) == (due, rolled_from)


def test_it_moves_a_calendar_day_deadline_off_a_declared_day_off():
    # Friday 31 May 2024 declared off: Monday 27 May + 4 → Monday 3 June.
    calendar = WorkCalendar.from_declared([(D(2024, 5, 31), "off")])
    dated = calendar.dated(D(2024, 5, 27), offset_days=4, offset_working_days=None)
    assert dated == (D(2024, 6, 3), D(2024, 5, 31))
    # A make-up working day on a Saturday is a working day: no move.
    calendar = WorkCalendar.from_declared([(D(2024, 6, 1), "working")])
    assert calendar.dated(D(2024, 5, 27), offset_days=5, offset_working_days=None) == (
        D(2024, 6, 1),
        None,
    )
