"""The world of the programme tests: the conftest's `world` (SPEC §4's roles) with
a second district in the "in" province, people for two entries, and a draft
programme of the "in" province with one entry per district (March 2025)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from checklists.models import Programme, Unit
from checklists.services.programmes import ProgrammeEntryInput, programme_create
from tests import factories


def entry(
    host_unit: Unit, lead, *members, start: dt.date, days: int = 5, **team
) -> ProgrammeEntryInput:
    """An entry whose window runs `days` days from `start`."""
    return ProgrammeEntryInput(
        host_unit=host_unit,
        lead=lead,
        members=list(members),
        window_start=start,
        window_end=start + dt.timedelta(days=days - 1),
        **team,
    )


MARCH_3 = dt.date(2025, 3, 3)  # a Monday
MARCH_10 = dt.date(2025, 3, 10)


@pytest.fixture
def plan(world):
    """`plan.programme`: a draft of province_in (code KH-10/2025) with two entries,
    Hạ Long (district, 3–7 March: lead_a, deputy_a, member_a) and Cẩm Phả
    (district2, 10–14 March: lead_b, member_b)."""
    district2 = factories.UnitFactory(
        parent=world.province_in, kind=Unit.Kind.DISTRICT, code="cam-pha", name="Cẩm Phả"
    )
    people = SimpleNamespace(
        lead_a=factories.UserFactory(username="lead_a"),
        deputy_a=factories.UserFactory(username="deputy_a"),
        member_a=factories.UserFactory(username="member_a"),
        lead_b=factories.UserFactory(username="lead_b"),
        member_b=factories.UserFactory(username="member_b"),
    )
    entries = [
        entry(
            world.district,
            people.lead_a,
            people.member_a,
            start=MARCH_3,
            deputy=people.deputy_a,
        ),
        entry(district2, people.lead_b, people.member_b, start=MARCH_10),
    ]
    programme = programme_create(
        actor=world.people.coordinator_in,
        code="KH-10/2025",
        title="Kiểm tra theo Kế hoạch số 10",
        issuer=world.province_in,
        year=2025,
        outline=world.outline,
        decision_ref="Quyết định số 15-QĐ/TU ngày 02/01/2025",
        entries=entries,
    )
    return SimpleNamespace(
        world=world,
        district2=district2,
        people=people,
        entries=entries,
        programme=Programme.objects.get(pk=programme.pk),
    )
