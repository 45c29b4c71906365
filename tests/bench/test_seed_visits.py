"""The scale seed's bulk path (bench.seed_visits) writes the rows visit_create writes.

The seed cannot afford visit_create for 10,000 visits, so it copies its rows with
COPY; this pins that the copy is faithful, row by row: the visit, its sessions, its
team, its milestones with their dates (working days, declared days off) and its
checklist items. A change to visit_create that the bulk path misses fails here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import models

from bench.seed_loader import Loader
from bench.seed_visits import NewSession, NewVisit, load_visits
from checklists.models import (
    ChecklistItem,
    DayOff,
    Milestone,
    Outline,
    TeamMembership,
    Unit,
    Visit,
    WorkingSession,
)
from checklists.services.visits import SessionInput, TeamInput, visit_create, work_calendar
from tests import factories
from tests.conftest import local

pytestmark = pytest.mark.django_db

# Neither side chooses these: row identity and the clock.
NOT_COMPARED = {"id", "visit", "created_at", "updated_at"}


def rows(model: type[models.Model], visit_id: int) -> list[dict[str, Any]]:
    """Every column of the visit's rows of `model`, in insertion order, minus
    identity and timestamps."""
    names = [f.attname for f in model._meta.concrete_fields if f.name not in NOT_COMPARED]
    queryset = (
        model._default_manager.filter(visit_id=visit_id)
        if model is not Visit
        else (Visit.objects.filter(pk=visit_id))
    )
    return list(queryset.order_by("pk").values(*names))


@pytest.fixture
def world(plan10_outline: Outline) -> dict[str, Any]:
    # A declared day off inside the visit's working-day offsets, so that the dating
    # of both paths goes through the same calendar.
    DayOff.objects.create(date=dt.date(2024, 5, 22), name="Nghỉ bù")
    DayOff.objects.create(date=dt.date(2024, 5, 25), kind=DayOff.Kind.WORKING_DAY, name="Làm bù")
    host = factories.UnitFactory(kind=Unit.Kind.DISTRICT)
    start = local(2024, 5, 20, 8)
    sessions = [
        (start, start + dt.timedelta(hours=9), "Hội trường"),
        (start + dt.timedelta(days=1), start + dt.timedelta(days=1, hours=3, minutes=30), ""),
    ]
    team = [
        (factories.UserFactory(), TeamMembership.Role.LEAD),
        (factories.UserFactory(), TeamMembership.Role.DEPUTY),
        (factories.UserFactory(), TeamMembership.Role.MEMBER),
    ]
    return {"outline": plan10_outline, "host": host, "sessions": sessions, "team": team}


def test_it_writes_in_bulk_the_rows_visit_create_writes(world):
    """GIVEN one visit's input (outline, host unit, sessions, team)
    WHEN it is created by visit_create, and again by the seed's bulk path
    THEN both visits have the same rows in every table, column by column."""
    outline, host = world["outline"], world["host"]
    created = visit_create(
        actor=None,
        outline=outline,
        host_unit=host,
        title="Kiểm tra công tác bảo vệ chính trị nội bộ",
        sessions=[SessionInput(start=s, end=e, location=loc) for s, e, loc in world["sessions"]],
        team=[TeamInput(user=user, role=role) for user, role in world["team"]],
    )

    loader = Loader(batch_size=100, write=lambda line: None)
    bulk_id = loader.next_id(Visit)
    load_visits(
        loader,
        [
            NewVisit(
                id=bulk_id,
                outline_id=outline.id,
                host_unit_id=host.id,
                title="Kiểm tra công tác bảo vệ chính trị nội bộ",
                sessions=[NewSession(s, e, loc) for s, e, loc in world["sessions"]],
                team=[(user.id, role) for user, role in world["team"]],
            )
        ],
        outline=outline,
        calendar=work_calendar(),
    )

    for model in (Visit, WorkingSession, TeamMembership, Milestone, ChecklistItem):
        expected = rows(model, created.pk)
        assert expected, f"visit_create wrote no {model.__name__} rows: the test proves nothing"
        assert rows(model, bulk_id) == expected, model.__name__


def test_it_dates_the_bulk_milestones_from_day_zero_as_the_service_does(world):
    """The comparison above includes due dates; this names the rule it checks, so
    that a failure reads as what broke: day 0 is the first session's local date."""
    visit = NewVisit(
        id=1,
        outline_id=world["outline"].id,
        host_unit_id=world["host"].id,
        title="t",
        sessions=[NewSession(s, e, loc) for s, e, loc in reversed(world["sessions"])],
    )
    assert visit.day_zero == dt.date(2024, 5, 20)
