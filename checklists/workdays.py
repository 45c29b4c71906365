"""Working days in Vietnam: weekends, public holidays (Tết included) and the days a
coordinator declares (bridge days off, and weekend days swapped into working days).

Public holidays come from the `holidays` package, which tracks the lunar-calendar
dates of Tết and the Hùng Kings festival and the substituted days off; the bridge
days the government adds each year are not in it, so they are DayOff rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import holidays

SATURDAY = 5


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


@dataclass(frozen=True)
class WorkCalendar:
    extra_days_off: frozenset[dt.date] = field(default_factory=frozenset)
    extra_working_days: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def from_declared(cls, declared: Iterable[tuple[dt.date, str]]) -> WorkCalendar:
        """Build from (date, kind) pairs, kind being DayOff.Kind's "off" or "working"."""
        off: set[dt.date] = set()
        working: set[dt.date] = set()
        for day, kind in declared:
            (working if kind == "working" else off).add(day)
        return cls(frozenset(off), frozenset(working))

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        return day.weekday() < SATURDAY and day not in public_holidays(day.year)

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The day `count` working days after `start` (before it when negative).

        Day 0 is `start` itself, whatever kind of day it is: the first working
        session is day 0 even when it is held on a Saturday.
        """
        step = dt.timedelta(days=1 if count > 0 else -1)
        day, remaining = start, abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def due_date(
        self, anchor: dt.date, *, offset_days: int | None, offset_working_days: int | None
    ) -> dt.date:
        """A milestone's date counted from the visit's day 0 (its first working session)."""
        if offset_working_days is not None:
            return self.add_working_days(anchor, offset_working_days)
        return anchor + dt.timedelta(days=offset_days or 0)
