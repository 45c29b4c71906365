"""A small world with every role of SPEC §4, for the API tests.

central
├── province "in"   ← coordinator_in's scope; the visit's host unit is a district below it
│   └── district    ← host_in is its contact
└── province "out"  ← coordinator_out's scope; host_out is its contact
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from checklists.models import TeamMembership, Unit
from checklists.services.visits import SessionInput, TeamInput, visit_create
from tests import factories
from tests.conftest import local

ROLES = (
    "coordinator_in",
    "coordinator_out",
    "lead",
    "deputy",
    "member",
    "secretary",
    "host_in",
    "host_out",
    "anonymous",
)


@pytest.fixture
def world(db, plan10_outline):
    central = factories.UnitFactory(kind=Unit.Kind.CENTRAL, code="central", name="Trung ương")
    province_in = factories.UnitFactory(parent=central, code="quang-ninh", name="Quảng Ninh")
    district = factories.UnitFactory(
        parent=province_in, kind=Unit.Kind.DISTRICT, code="ha-long", name="Hạ Long"
    )
    province_out = factories.UnitFactory(parent=central, code="vinh-phuc", name="Vĩnh Phúc")
    people = SimpleNamespace(
        coordinator_all=factories.coordinator(username="coord_all"),
        coordinator_in=factories.coordinator(scope=province_in, username="coord_in"),
        coordinator_out=factories.coordinator(scope=province_out, username="coord_out"),
        lead=factories.UserFactory(username="lead"),
        deputy=factories.UserFactory(username="deputy"),
        member=factories.UserFactory(username="member"),
        secretary=factories.UserFactory(username="secretary"),
        host_in=factories.host_contact(district, username="host_in"),
        host_out=factories.host_contact(province_out, username="host_out"),
        anonymous=None,
    )
    start = local(2024, 5, 13, 8)
    visit = visit_create(
        actor=people.coordinator_in,
        outline=plan10_outline,
        host_unit=district,
        title="Kiểm tra tại Hạ Long",
        code="KT-HL",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3), location="Hạ Long")],
        team=[
            TeamInput(people.lead, TeamMembership.Role.LEAD),
            TeamInput(people.deputy, TeamMembership.Role.DEPUTY),
            TeamInput(people.member, TeamMembership.Role.MEMBER),
            TeamInput(people.secretary, TeamMembership.Role.SECRETARY),
        ],
    )
    other_visit = visit_create(
        actor=people.coordinator_out,
        outline=plan10_outline,
        host_unit=province_out,
        title="Kiểm tra tại Vĩnh Phúc",
        code="KT-VP",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
    )
    item = visit.checklist.order_by("section_position", "position").first()
    item.internal_note = "Ghi chú nội bộ của Đoàn"
    item.save(update_fields=["internal_note"])
    return SimpleNamespace(
        central=central,
        province_in=province_in,
        district=district,
        province_out=province_out,
        people=people,
        visit=visit,
        other_visit=other_visit,
        item=item,
        outline=plan10_outline,
    )


@pytest.fixture
def client_for(world):
    """client_for("lead") → an APIClient authenticated as that person (by session)."""

    def make(role: str) -> APIClient:
        client = APIClient()
        user = getattr(world.people, role)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
