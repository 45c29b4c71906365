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
from typing import NamedTuple

import holidays

SATURDAY = 5


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


class Dated(NamedTuple):
    """A deadline's date, and the day off it was moved from (None when it did not move)."""

    date: dt.date
    rolled_from: dt.date | None = None


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

    def roll(self, day: dt.date, *, forward: bool) -> dt.date:
        """The nearest working day on or after `day` (on or before it when not forward)."""
        step = dt.timedelta(days=1 if forward else -1)
        while not self.is_working_day(day):
            day += step
        return day

    def dated(
        self, anchor: dt.date, *, offset_days: int | None, offset_working_days: int | None
    ) -> Dated:
        """A milestone's date counted from the visit's day 0 (its first working session).

        Working days land on working days. A count of calendar days that lands on a
        day off moves, as the Civil Code 2015 (Art. 148) counts time limits: forward
        to the next working day, or, counted backward from day 0, to the previous one
        so that it still comes first. Day 0 itself never moves.
        """
        if offset_working_days is not None:
            return Dated(self.add_working_days(anchor, offset_working_days))
        offset = offset_days or 0
        counted = anchor + dt.timedelta(days=offset)
        if offset == 0 or self.is_working_day(counted):
            return Dated(counted)
        return Dated(self.roll(counted, forward=offset > 0), rolled_from=counted)

    def due_date(
        self, anchor: dt.date, *, offset_days: int | None, offset_working_days: int | None
    ) -> dt.date:
        return self.dated(
            anchor, offset_days=offset_days, offset_working_days=offset_working_days
        ).date
