"""More of the world for the coverage of units' query-count tests (API and page)."""

from __future__ import annotations

import datetime as dt

from checklists.models import Unit
from checklists.services.visits import SessionInput, visit_create, visit_transition
from tests import factories
from tests.conclusion_world import issue, rec
from tests.conftest import local


def grow_inspected_units(world, n: int) -> None:
    """`n` more grassroots units under the world's district, each with a visit in
    July 2024: every other one issued with a late recommendation to the unit, the
    others cancelled (never inspected)."""
    for i in range(n):
        unit = factories.UnitFactory(parent=world.district, kind=Unit.Kind.GRASSROOTS)
        start = local(2024, 7, 1 + i, 8)
        visit = visit_create(
            actor=None,
            outline=world.outline,
            host_unit=unit,
            title=f"Kiểm tra {i}",
            sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=2))],
        )
        if i % 2:
            issue(visit, rec(unit, due_date=dt.date(2025, 1, 31)), issued_on=dt.date(2024, 8, 1))
        else:
            visit_transition(actor=None, visit=visit, to="cancelled")
