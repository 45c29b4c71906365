"""An approved programme creates its visits in one step (SPEC §5, §13): through
visit_create (checklist and milestones come with them), skipping the entries that
clash, and never twice; and the batch clash check of its entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from checklists.clashes import PERSON_DOUBLE_BOOKED, UNIT_DOUBLE_BOOKED
from checklists.errors import Conflict, NotFound
from checklists.models import AuditEvent, Milestone, ProgrammeEntry, TeamMembership, Visit
from checklists.services.programme_visits import (
    programme_clashes,
    programme_create_visits,
    programme_entry_link_visit,
)
from checklists.services.programmes import (
    programme_approve,
    programme_close,
    programme_create,
    programme_entries_replace,
)
from checklists.services.visits import SessionInput, visit_create
from tests.conftest import local
from tests.programme_world import MARCH_3, entry

pytestmark = pytest.mark.django_db


def _approve(plan) -> None:
    programme_approve(actor=plan.world.people.coordinator_in, programme=plan.programme)


def test_it_creates_each_entrys_visit_as_the_spec_says(plan):
    _approve(plan)
    result = programme_create_visits(
        actor=plan.world.people.coordinator_in, programme=plan.programme
    )
    assert result.skipped == []
    assert len(result.created) == 2
    visit = Visit.objects.get(host_unit=plan.world.district, programme=plan.programme)
    assert visit.title == "Kiểm tra theo Kế hoạch số 10 – Hạ Long"
    assert visit.decision_ref == plan.programme.decision_ref
    assert visit.decision_instrument == plan.programme.decision_instrument
    assert visit.issuer == plan.programme.issuer
    assert visit.outline == plan.world.outline
    [session] = visit.sessions.all()
    assert (session.start, session.end) == (local(2025, 3, 3, 8), local(2025, 3, 3, 11, 30))
    assert session.location == "Hạ Long"
    assert sorted(visit.team.values_list("user__username", "role")) == [
        ("deputy_a", TeamMembership.Role.DEPUTY),
        ("lead_a", TeamMembership.Role.LEAD),
        ("member_a", TeamMembership.Role.MEMBER),
    ]
    # Through visit_create: the outline's checklist and deadlines come with it.
    assert visit.checklist.count() == 17  # the Plan 10 outline of tests/factories.py
    assert visit.milestones.count() == 5
    assert ProgrammeEntry.objects.get(host_unit=plan.world.district).visit == visit
    event = AuditEvent.objects.get(object_type="programme", action="create_visits")
    assert sorted(event.changes["created"]) == sorted(v.pk for v in result.created)


def test_it_takes_the_programmes_issuer_before_the_creators_scope(plan):
    """The coordinator of everything creates the visits of a central programme: the
    visits' issuer is the programme's (central), not the host unit's parent."""
    everything = plan.world.people.coordinator_all
    central = programme_create(
        actor=everything,
        code="KH-TW",
        title="Kế hoạch Trung ương",
        issuer=plan.world.central,
        year=2025,
        outline=plan.world.outline,
        entries=[entry(plan.world.district, plan.people.lead_a, start=MARCH_3)],
    )
    programme_approve(actor=everything, programme=central)
    [visit] = programme_create_visits(actor=everything, programme=central).created
    assert visit.issuer == plan.world.central
    assert visit.programme == central


def test_it_creates_nothing_twice(plan):
    _approve(plan)
    coordinator = plan.world.people.coordinator_in
    first = programme_create_visits(actor=coordinator, programme=plan.programme)
    again = programme_create_visits(actor=coordinator, programme=plan.programme)
    assert len(first.created) == 2
    assert again.created == [] and again.skipped == []
    assert Visit.objects.filter(programme=plan.programme).count() == 2
    assert Milestone.objects.filter(visit__programme=plan.programme).count() == 10


def test_it_skips_and_lists_the_entries_with_a_person_double_booked(plan):
    """GIVEN member_a on both entries, whose windows overlap
    WHEN the visits are created
    THEN neither is created (both clash), and each is listed with the clash."""
    overlapping = [
        plan.entries[0],
        entry(plan.district2, plan.people.lead_b, plan.people.member_a, start=MARCH_3),
    ]
    programme_entries_replace(
        actor=plan.world.people.coordinator_in, programme=plan.programme, entries=overlapping
    )
    _approve(plan)
    result = programme_create_visits(
        actor=plan.world.people.coordinator_in, programme=plan.programme
    )
    assert result.created == []
    assert [found.entry.host_unit for found in result.skipped] == [
        plan.world.district,
        plan.district2,
    ]
    for found in result.skipped:
        assert [clash.kind for clash in found.errors] == [PERSON_DOUBLE_BOOKED]
        assert found.errors[0].people == (plan.people.member_a.pk,)
    assert not Visit.objects.filter(programme=plan.programme).exists()
    assert not AuditEvent.objects.filter(action="create_visits").exists()


def test_it_creates_the_others_when_one_entry_clashes_with_a_stored_visit(plan):
    """A visit already planned at Cẩm Phả on 11 March: that entry is skipped (the
    unit is booked), Hạ Long's visit is created."""
    visit_create(
        actor=None,
        outline=plan.world.outline,
        host_unit=plan.district2,
        title="Đã lên lịch",
        sessions=[SessionInput(start=local(2025, 3, 11, 8), end=local(2025, 3, 11, 17))],
    )
    _approve(plan)
    result = programme_create_visits(
        actor=plan.world.people.coordinator_in, programme=plan.programme
    )
    assert [visit.host_unit for visit in result.created] == [plan.world.district]
    [skipped] = result.skipped
    assert skipped.entry.host_unit == plan.district2
    assert [clash.kind for clash in skipped.errors] == [UNIT_DOUBLE_BOOKED]
    assert ProgrammeEntry.objects.get(host_unit=plan.district2).visit is None


def test_it_lists_each_entrys_clashes_for_those_who_read_it(plan):
    overlapping = [
        plan.entries[0],
        entry(plan.district2, plan.people.lead_a, start=MARCH_3 + dt.timedelta(days=2)),
    ]
    programme_entries_replace(
        actor=plan.world.people.coordinator_in, programme=plan.programme, entries=overlapping
    )
    found = programme_clashes(actor=plan.world.people.coordinator_in, programme=plan.programme)
    kinds = {(f.entry.host_unit_id, c.kind) for f in found for c in f.errors}
    assert kinds == {
        (plan.world.district.pk, PERSON_DOUBLE_BOOKED),
        (plan.district2.pk, PERSON_DOUBLE_BOOKED),
    }


def test_it_leaves_out_entries_without_clashes(plan):
    found = programme_clashes(actor=plan.world.people.coordinator_in, programme=plan.programme)
    assert all(f.clashes for f in found)
    assert not any(f.errors for f in found)


def test_it_does_not_count_an_entrys_own_visit_as_a_clash(plan):
    _approve(plan)
    programme_create_visits(actor=plan.world.people.coordinator_in, programme=plan.programme)
    found = programme_clashes(actor=plan.world.people.coordinator_in, programme=plan.programme)
    assert not any(f.errors for f in found)


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_it_creates_visits_only_for_an_approved_programme(plan, status):
    if status == "closed":
        _approve(plan)
        programme_close(actor=plan.world.people.coordinator_in, programme=plan.programme)
    with pytest.raises(Conflict):
        programme_create_visits(actor=plan.world.people.coordinator_in, programme=plan.programme)
    assert not Visit.objects.filter(programme=plan.programme).exists()


def test_it_leaves_the_visits_of_a_closed_programme_as_they_are(plan):
    _approve(plan)
    coordinator = plan.world.people.coordinator_in
    programme_create_visits(actor=coordinator, programme=plan.programme)
    programme_close(actor=coordinator, programme=plan.programme)
    statuses = set(Visit.objects.filter(programme=plan.programme).values_list("status", flat=True))
    assert statuses == {Visit.Status.PLANNED}


@pytest.mark.parametrize(
    "role", ["coordinator_out", "lead", "deputy", "member", "secretary", "host_in", "host_out"]
)
def test_it_hides_create_visits_from_everyone_but_its_coordinators(plan, role):
    _approve(plan)
    with pytest.raises(NotFound):
        programme_create_visits(actor=getattr(plan.world.people, role), programme=plan.programme)
    assert not Visit.objects.filter(programme=plan.programme).exists()


def test_it_creates_the_visits_for_the_coordinator_of_everything(plan):
    _approve(plan)
    result = programme_create_visits(
        actor=plan.world.people.coordinator_all, programme=plan.programme
    )
    assert len(result.created) == 2
    assert set(
        Visit.objects.filter(programme=plan.programme).values_list("created_by", flat=True)
    ) == {plan.world.people.coordinator_all.pk}


def test_it_creates_a_skipped_entrys_visit_once_its_clash_is_resolved(plan):
    """The clashing entry was skipped; once the stored visit that blocked it is
    cancelled, the same call creates just that one."""
    blocking = visit_create(
        actor=None,
        outline=plan.world.outline,
        host_unit=plan.district2,
        title="Đã lên lịch",
        sessions=[SessionInput(start=local(2025, 3, 11, 8), end=local(2025, 3, 11, 17))],
    )
    _approve(plan)
    coordinator = plan.world.people.coordinator_in
    assert len(programme_create_visits(actor=coordinator, programme=plan.programme).created) == 1
    Visit.objects.filter(pk=blocking.pk).update(status=Visit.Status.CANCELLED)
    second = programme_create_visits(actor=coordinator, programme=plan.programme)
    assert [visit.host_unit for visit in second.created] == [plan.district2]
    assert Visit.objects.filter(programme=plan.programme).count() == 2


def test_it_marks_the_entry_windows_as_whole_days(plan):
    """MARCH_10's entry ends on 14 March: a visit on 14 March at 16:00 clashes."""
    visit_create(
        actor=None,
        outline=plan.world.outline,
        host_unit=plan.district2,
        title="Chiều thứ Sáu",
        sessions=[SessionInput(start=local(2025, 3, 14, 16), end=local(2025, 3, 14, 17))],
    )
    found = programme_clashes(actor=plan.world.people.coordinator_in, programme=plan.programme)
    assert [(f.entry.host_unit, [c.kind for c in f.errors]) for f in found if f.errors] == [
        (plan.district2, [UNIT_DOUBLE_BOOKED])
    ]


def test_it_adopts_a_visit_planned_before_the_programme(plan):
    """The world's Hạ Long visit (May 2024) becomes the visit of the Hạ Long entry;
    create-visits then makes only the other one."""
    coordinator = plan.world.people.coordinator_in
    hl_entry = ProgrammeEntry.objects.get(host_unit=plan.world.district)
    programme_entry_link_visit(actor=coordinator, entry=hl_entry, visit=plan.world.visit)
    plan.world.visit.refresh_from_db()
    assert plan.world.visit.programme == plan.programme
    assert AuditEvent.objects.filter(action="link_visit", visit_id=plan.world.visit.pk).exists()
    _approve(plan)
    result = programme_create_visits(actor=coordinator, programme=plan.programme)
    assert [visit.host_unit for visit in result.created] == [plan.district2]


def test_it_refuses_to_adopt_a_visit_at_another_unit_or_twice(plan):
    coordinator = plan.world.people.coordinator_in
    cp_entry = ProgrammeEntry.objects.get(host_unit=plan.district2)
    with pytest.raises(ValidationError):
        programme_entry_link_visit(actor=coordinator, entry=cp_entry, visit=plan.world.visit)
    hl_entry = ProgrammeEntry.objects.get(host_unit=plan.world.district)
    programme_entry_link_visit(actor=coordinator, entry=hl_entry, visit=plan.world.visit)
    with pytest.raises(Conflict):
        programme_entry_link_visit(actor=coordinator, entry=hl_entry, visit=plan.world.visit)


@pytest.mark.parametrize("role", ["coordinator_out", "lead", "host_in"])
def test_it_hides_adopting_a_visit_from_everyone_but_its_coordinators(plan, role):
    hl_entry = ProgrammeEntry.objects.get(host_unit=plan.world.district)
    with pytest.raises(NotFound):
        programme_entry_link_visit(
            actor=getattr(plan.world.people, role), entry=hl_entry, visit=plan.world.visit
        )
    assert ProgrammeEntry.objects.get(pk=hl_entry.pk).visit is None
