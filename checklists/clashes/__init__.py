"""Clashes (SPEC §13): what would go wrong if these visits happened as planned.

One function, `clashes_find`, for every caller: a visit being created, moved or
given a new team member, and a programme's entries (a batch). Each candidate is a
window (a visit's from its first session's start to its last session's end; an
entry's from `window_start` to `window_end`), a host unit, people and the outline
code; the answer lists each candidate's clashes, against the stored visits that are
not cancelled and among the candidates themselves:

| kind | severity | when |
| --- | --- | --- |
| `person_double_booked` | error | a person is in two overlapping windows |
| `unit_double_booked` | error | a host unit is in two overlapping windows |
| `day_off` | warning | a working session falls on a day off (weekend, holiday, declared) |
| `too_long` | warning | the window is longer, in calendar days, than its level's limit |
| `recently_inspected` | warning | the unit's last visit under the same outline code had a session within `REINSPECTION_YEARS` |

Cost: a constant number of queries per batch, whatever its size. The stored side
is compared in SQL, every candidate at once (a VALUES list joined against
`Visit.window_start`/`window_end`); on PostgreSQL the overlap is
`tstzrange && tstzrange`, the expression of the GiST index of migration 0014,
elsewhere (SQLite, `make run`) the same test written as two comparisons.
Windows are half-open: a visit ending at 11:30 and one starting at 11:30 do not
clash. Messages follow the active language (the door activates the person's).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from checklists.clashes.checks import (
    days_off,
    people_booked,
    recently_inspected,
    too_long,
    unit_levels,
    units_booked,
)
from checklists.clashes.types import (
    DAY_OFF,
    ERROR,
    KINDS,
    PERSON_DOUBLE_BOOKED,
    RECENTLY_INSPECTED,
    SEVERITY,
    TOO_LONG,
    UNIT_DOUBLE_BOOKED,
    WARNING,
    Candidate,
    Clash,
    Names,
    Pending,
    clash_errors,
)


def clashes_find(
    candidates: Sequence[Candidate], *, kinds: Collection[str] = KINDS
) -> list[list[Clash]]:
    """Each candidate's clashes (in the order of `candidates`), errors first.

    `kinds` narrows the check (a new team member can only be double-booked);
    the queries for the kinds left out are not run."""
    found: list[list[Clash]] = [[] for _candidate in candidates]
    if not candidates:
        return found
    names = Names()
    if PERSON_DOUBLE_BOOKED in kinds:
        people_booked(candidates, found, names)
    if UNIT_DOUBLE_BOOKED in kinds:
        units_booked(candidates, found, names)
    if DAY_OFF in kinds:
        days_off(candidates, found)
    if TOO_LONG in kinds:
        too_long(candidates, found, names)
    if RECENTLY_INSPECTED in kinds:
        recently_inspected(candidates, found, names)
    names.load()
    return [
        sorted(
            (clash.finish(names) if isinstance(clash, Pending) else clash for clash in clashes),
            key=lambda clash: (not clash.is_error, KINDS.index(clash.kind)),
        )
        for clashes in found
    ]


__all__ = [
    "DAY_OFF",
    "ERROR",
    "KINDS",
    "PERSON_DOUBLE_BOOKED",
    "RECENTLY_INSPECTED",
    "SEVERITY",
    "TOO_LONG",
    "UNIT_DOUBLE_BOOKED",
    "WARNING",
    "Candidate",
    "Clash",
    "clash_errors",
    "clashes_find",
    "unit_levels",
]
