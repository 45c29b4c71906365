from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from checklists.models import TeamMembership, Unit
from checklists.services.visits import SessionInput, TeamInput, visit_create
from tests import factories

# Fixtures of their own modules, for every test directory (`outcome`: a visit with a
# draft conclusion, tests/conclusion_world.py; `plan`: a draft programme, tests/programme_world.py).
pytest_plugins = ("tests.conclusion_world", "tests.programme_world", "tests.document_world")

# The Plan 10 outline file the product ships for its demo data: the suite needs nothing
# outside the repository (someone cloning it has no ../shared).
PLAN10_YAML = Path(__file__).resolve().parent.parent / "checklists" / "demo" / "plan10-outline.yaml"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        db = "SQLite (DATABASE_URL unset; CI runs the suite on PostgreSQL)"
    else:
        db = f"{engine} {settings.DATABASES['default']['NAME']}"
    broker = os.environ.get("REDIS_URL") or "embedded Redis (REDIS_URL unset)"
    return [f"database: {db}", f"broker: {broker}"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The production hasher spends ~0.3 s per password on purpose; tests create
    # hundreds of people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Assertions read the English source messages; the Vietnamese catalogue (the
    # product's default language) has tests of its own that ask for "vi".
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def local(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    """An aware datetime in Vietnam's time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=HCM)


@pytest.fixture
def plan10_outline(db):
    """The Plan 10 outline, published."""
    return factories.plan10_outline()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


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
    """A small world with every role of SPEC §4 (API and web tests).

    central
    ├── province "in"   ← coordinator_in's scope; the visit's host unit is a district below it
    │   └── district    ← host_in is its contact
    └── province "out"  ← coordinator_out's scope; host_out is its contact
    """
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
def web_client_for(world):
    """web_client_for("lead") → a Django test client signed in as that person."""

    def make(role: str) -> Client:
        client = Client()
        user = getattr(world.people, role)
        if user is not None:
            client.force_login(user)
        return client

    return make
