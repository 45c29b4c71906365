"""Programmes (SPEC §13): drafts with their entries, the state machine, who may do
what, and the validation of entries keyed `entries.<index>.<field>`."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from checklists.errors import Conflict, NotAllowed, NotFound, StaleObjectError
from checklists.models import AuditEvent, LegalInstrument, Programme, ProgrammeEntry
from checklists.selectors.programmes import programmes_visible_to
from checklists.services.legal_instruments import legal_instrument_add
from checklists.services.programme_visits import programme_clashes
from checklists.services.programmes import (
    programme_approve,
    programme_close,
    programme_create,
    programme_delete,
    programme_entries_replace,
    programme_update,
)
from tests import factories
from tests.programme_world import MARCH_3, MARCH_10, entry

pytestmark = pytest.mark.django_db

OUTSIDERS = ("coordinator_out", "lead", "deputy", "member", "secretary", "host_in", "host_out")


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_it_creates_a_draft_with_its_entries_and_decision(plan):
    programme = plan.programme
    assert programme.status == Programme.Status.DRAFT
    entries = list(programme.entries.order_by("position"))
    assert [e.host_unit_id for e in entries] == [plan.world.district.pk, plan.district2.pk]
    assert [e.window_end for e in entries] == [dt.date(2025, 3, 7), dt.date(2025, 3, 14)]
    assert list(entries[0].members.all()) == [plan.people.member_a]
    assert entries[0].deputy == plan.people.deputy_a
    assert programme.decision_instrument is not None
    assert programme.decision_instrument.short_citation == "Quyết định 15-QĐ/TU"
    event = AuditEvent.objects.get(object_type="programme", action="create")
    assert event.actor == plan.world.people.coordinator_in
    assert event.changes["entries"][0][0] == plan.world.district.code


def test_it_keeps_the_legal_basis(plan):
    basis, _created = legal_instrument_add(
        actor=None, citation="Quy định số 126-QĐ/TW ngày 28/02/2018"
    )
    programme_update(
        actor=plan.world.people.coordinator_in, programme=plan.programme, legal_basis=[basis]
    )
    assert list(plan.programme.legal_basis.all()) == [basis]
    assert LegalInstrument.objects.filter(based_programmes=plan.programme).count() == 1


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"window_end": MARCH_3 - dt.timedelta(days=1)}, "entries.0.window_end"),
        ({"lead": None}, "entries.0.lead"),
        ({"window_start": None}, "entries.0.window_start"),
    ],
)
def test_it_names_the_entry_and_field_of_a_bad_entry(plan, change, key):
    bad = entry(plan.world.district, plan.people.lead_a, start=MARCH_3)
    bad = dataclasses.replace(bad, **change)
    with pytest.raises(ValidationError) as excinfo:
        programme_entries_replace(
            actor=plan.world.people.coordinator_in, programme=plan.programme, entries=[bad]
        )
    assert key in _errors(excinfo)
    assert plan.programme.entries.count() == 2  # nothing saved


def test_it_refuses_a_host_unit_outside_the_coordinators_scope(plan):
    entries = [
        *plan.entries,
        entry(plan.world.province_out, plan.people.lead_b, start=MARCH_10),
    ]
    with pytest.raises(ValidationError) as excinfo:
        programme_entries_replace(
            actor=plan.world.people.coordinator_in, programme=plan.programme, entries=entries
        )
    assert list(_errors(excinfo)) == ["entries.2.host_unit"]


def test_it_refuses_two_entries_for_one_host_unit(plan):
    twice = [plan.entries[0], entry(plan.world.district, plan.people.lead_b, start=MARCH_10)]
    with pytest.raises(ValidationError) as excinfo:
        programme_entries_replace(
            actor=plan.world.people.coordinator_in, programme=plan.programme, entries=twice
        )
    assert list(_errors(excinfo)) == ["entries.1.host_unit"]


def test_it_refuses_a_person_with_two_roles_in_one_team(plan):
    double = entry(plan.world.district, plan.people.lead_a, plan.people.lead_a, start=MARCH_3)
    with pytest.raises(ValidationError) as excinfo:
        programme_entries_replace(
            actor=plan.world.people.coordinator_in, programme=plan.programme, entries=[double]
        )
    assert list(_errors(excinfo)) == ["entries.0.members"]


def test_it_refuses_an_issuer_outside_the_coordinators_scope(world):
    with pytest.raises(ValidationError) as excinfo:
        programme_create(
            actor=world.people.coordinator_in,
            code="KH-X",
            title="Ngoài phạm vi",
            issuer=world.province_out,
            year=2025,
            outline=world.outline,
        )
    assert "issuer" in _errors(excinfo)
    assert not Programme.objects.exists()


@pytest.mark.parametrize("role", ["lead", "member", "host_in"])
def test_it_refuses_a_programme_from_someone_not_a_coordinator(world, role):
    with pytest.raises(NotAllowed):
        programme_create(
            actor=getattr(world.people, role),
            code="KH-X",
            title="Không phải điều phối viên",
            issuer=world.district,
            year=2025,
            outline=world.outline,
        )


def test_it_refuses_a_duplicate_code(plan):
    with pytest.raises(ValidationError) as excinfo:
        programme_create(
            actor=plan.world.people.coordinator_all,
            code="KH-10/2025",
            title="Trùng mã",
            issuer=plan.world.central,
            year=2025,
            outline=plan.world.outline,
        )
    assert "code" in _errors(excinfo)


def test_it_refuses_a_draft_outline(world):
    draft = factories.plan10_outline(
        published=False,
        data=dataclasses.replace(factories.PLAN10_DATA, version=2),
    )
    with pytest.raises(ValidationError) as excinfo:
        programme_create(
            actor=world.people.coordinator_in,
            code="KH-D",
            title="Đề cương nháp",
            issuer=world.province_in,
            year=2025,
            outline=draft,
        )
    assert "outline" in _errors(excinfo)


# --- state machine -------------------------------------------------------------------


def test_it_moves_draft_to_approved_to_closed_and_audits_each_step(plan):
    coordinator = plan.world.people.coordinator_in
    programme_approve(actor=coordinator, programme=plan.programme)
    programme_close(actor=coordinator, programme=plan.programme)
    plan.programme.refresh_from_db()
    assert plan.programme.status == Programme.Status.CLOSED
    actions = AuditEvent.objects.filter(object_type="programme").values_list("action", flat=True)
    assert {"transition:approved", "transition:closed"} <= set(actions)


@pytest.mark.parametrize(
    "act",
    [
        lambda a, p: programme_approve(actor=a, programme=p),
        lambda a, p: programme_update(actor=a, programme=p, title="Đổi tên"),
        lambda a, p: programme_entries_replace(actor=a, programme=p, entries=[]),
        lambda a, p: programme_delete(actor=a, programme=p),
    ],
    ids=["approve", "update", "entries", "delete"],
)
def test_it_refuses_to_change_an_approved_programme(plan, act):
    coordinator = plan.world.people.coordinator_in
    programme_approve(actor=coordinator, programme=plan.programme)
    with pytest.raises(Conflict):
        act(coordinator, plan.programme)
    assert plan.programme.entries.count() == 2


def test_it_refuses_to_close_a_draft(plan):
    with pytest.raises(Conflict):
        programme_close(actor=plan.world.people.coordinator_in, programme=plan.programme)


def test_it_refuses_to_approve_a_programme_without_entries(plan):
    coordinator = plan.world.people.coordinator_in
    programme_entries_replace(actor=coordinator, programme=plan.programme, entries=[])
    with pytest.raises(Conflict):
        programme_approve(actor=coordinator, programme=plan.programme)


def test_it_deletes_a_draft_with_its_entries(plan):
    programme_delete(actor=plan.world.people.coordinator_in, programme=plan.programme)
    assert not Programme.objects.exists()
    assert not ProgrammeEntry.objects.exists()
    assert AuditEvent.objects.filter(object_type="programme", action="delete").exists()


def test_it_refuses_a_stale_version(plan):
    coordinator = plan.world.people.coordinator_in
    version = plan.programme.row_version
    programme_update(actor=coordinator, programme=plan.programme, title="Lần một")
    with pytest.raises(StaleObjectError):
        programme_update(
            actor=coordinator,
            programme=plan.programme,
            title="Lần hai",
            expected_version=version,
        )


# --- who may ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", OUTSIDERS)
def test_it_hides_the_programme_from_everyone_but_its_coordinators(plan, role):
    person = getattr(plan.world.people, role)
    assert not programmes_visible_to(person).exists()
    for act in (
        lambda: programme_update(actor=person, programme=plan.programme, title="X"),
        lambda: programme_approve(actor=person, programme=plan.programme),
        lambda: programme_delete(actor=person, programme=plan.programme),
        lambda: programme_clashes(actor=person, programme=plan.programme),
    ):
        with pytest.raises(NotFound):
            act()
    assert Programme.objects.get().title == plan.programme.title


def test_it_lets_the_coordinators_in_scope_and_of_everything_manage_it(plan):
    for role in ("coordinator_in", "coordinator_all"):
        person = getattr(plan.world.people, role)
        assert list(programmes_visible_to(person)) == [plan.programme]
        programme_update(actor=person, programme=plan.programme, title=f"Sửa bởi {role}")


def test_it_lets_a_scoped_coordinator_read_but_not_manage_a_programme_reaching_outside(plan):
    """GIVEN the "in" province's programme to which the coordinator of everything
    added an entry in the "out" province
    WHEN the "in" province's coordinator reads it and tries to approve it
    THEN they read it, and are refused the approval (403, not 404)."""
    entries = [*plan.entries, entry(plan.world.province_out, plan.people.lead_b, start=MARCH_10)]
    programme_entries_replace(
        actor=plan.world.people.coordinator_all, programme=plan.programme, entries=entries
    )
    coordinator = plan.world.people.coordinator_in
    assert list(programmes_visible_to(coordinator)) == [plan.programme]
    programme_clashes(actor=coordinator, programme=plan.programme)
    with pytest.raises(NotAllowed):
        programme_approve(actor=coordinator, programme=plan.programme)
    assert Programme.objects.get().status == Programme.Status.DRAFT


def test_it_hides_a_central_programme_from_a_province_coordinator(plan):
    central = programme_create(
        actor=plan.world.people.coordinator_all,
        code="KH-TW",
        title="Kế hoạch của Trung ương",
        issuer=plan.world.central,
        year=2025,
        outline=plan.world.outline,
        entries=[entry(plan.world.district, plan.people.lead_a, start=MARCH_3)],
    )
    with pytest.raises(NotFound):
        programme_approve(actor=plan.world.people.coordinator_in, programme=central)
    assert central not in programmes_visible_to(plan.world.people.coordinator_in)
