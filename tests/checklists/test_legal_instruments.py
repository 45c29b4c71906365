"""The registry's services and the visits that cite it: a visit's `decision_ref`
stays text and gains `decision_instrument` when it reads as a citation."""

from __future__ import annotations

import datetime as dt
import importlib
import threading

import pytest
from django.apps import apps
from django.db import connection

from checklists.models import AuditEvent, LegalInstrument, Visit
from checklists.services.legal_instruments import (
    legal_instrument_add,
    legal_instrument_for_reference,
)
from checklists.services.visits import SessionInput, visit_create, visit_update
from tests.conftest import local

Q126 = "Quy định số 126-QĐ/TW ngày 28/02/2018 của Bộ Chính trị"


def _plan(world, actor, decision_ref: str) -> Visit:
    start = local(2024, 9, 9, 8)
    return visit_create(
        actor=actor,
        outline=world.outline,
        host_unit=world.district,
        title="Kiểm tra",
        decision_ref=decision_ref,
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
    )


def test_it_links_a_new_visits_decision_registering_it(world):
    visit = _plan(world, world.people.coordinator_in, Q126)
    visit.refresh_from_db()
    assert visit.decision_ref == Q126
    assert visit.decision_instrument is not None
    assert visit.decision_instrument.short_citation == "Quy định 126-QĐ/TW"
    assert visit.decision_instrument.created_by == world.people.coordinator_in


def test_it_keeps_a_decision_that_is_no_citation_as_text_only(world):
    visit = _plan(world, world.people.coordinator_in, "Quyết định kiểm tra (Kế hoạch số 10)")
    visit.refresh_from_db()
    assert visit.decision_instrument is None
    assert LegalInstrument.objects.count() == 0


def test_it_links_a_leads_edit_only_to_an_instrument_stored_already(world):
    lead = world.people.lead
    visit_update(actor=lead, visit=world.visit, decision_ref="Chỉ thị số 39-CT/TW")
    world.visit.refresh_from_db()
    assert world.visit.decision_instrument is None  # registering is a coordinator's act
    assert LegalInstrument.objects.count() == 0

    stored, _created = legal_instrument_add(actor=world.people.coordinator_in, citation=Q126)
    visit_update(actor=lead, visit=world.visit, decision_ref="Quy định 126-QĐ/TW, ngày 28/2/2018")
    world.visit.refresh_from_db()
    assert world.visit.decision_instrument == stored
    # Cleared: the link goes with the text.
    visit_update(actor=lead, visit=world.visit, decision_ref="")
    world.visit.refresh_from_db()
    assert world.visit.decision_instrument is None


def test_it_registers_for_a_coordinators_edit(world):
    visit_update(actor=world.people.coordinator_in, visit=world.visit, decision_ref="30/2020/NĐ-CP")
    world.visit.refresh_from_db()
    assert world.visit.decision_instrument.citation == "Nghị định số 30/2020/NĐ-CP"


def test_it_gives_the_programme_step_one_function_to_link_a_reference(world):
    """GIVEN a reference a programme carries WHEN it is linked for a coordinator, a
    team member and the system THEN the coordinator and the system register it, the
    team member only finds it once stored, and text that is no citation is None."""
    member = world.people.member
    assert legal_instrument_for_reference(actor=member, text="Chỉ thị 39-CT/TW") is None
    registered = legal_instrument_for_reference(
        actor=world.people.coordinator_out, text="Chỉ thị 39-CT/TW"
    )
    assert registered is not None
    assert legal_instrument_for_reference(actor=member, text="39-CT/TW") == registered
    assert legal_instrument_for_reference(actor=None, text="Kế hoạch số 10") is None
    assert legal_instrument_for_reference(actor=None, text="") is None


def test_it_audits_a_registration_once(world):
    legal_instrument_add(actor=world.people.coordinator_in, citation=Q126)
    legal_instrument_add(actor=world.people.coordinator_in, citation=Q126)
    events = AuditEvent.objects.filter(object_type="legalinstrument")
    assert [event.action for event in events] == ["create"]


def test_it_links_existing_visits_by_the_data_migration(world):
    """Visits written before the registry (no link) get one when their reference
    parses, sharing one instrument per citation; others stay text only."""
    Visit.objects.filter(pk=world.visit.pk).update(decision_ref=Q126)
    Visit.objects.filter(pk=world.other_visit.pk).update(decision_ref="126-QĐ/TW ngày 28/02/2018")
    extra = _plan(world, None, "Quyết định kiểm tra")
    migration = importlib.import_module(
        "checklists.migrations.0018_visit_decision_instruments_existing"
    )
    migration.link_decisions(apps, None)
    instrument = LegalInstrument.objects.get()
    assert "số 126-QĐ/TW ngày 28/02/2018" in instrument.citation
    linked = dict(Visit.objects.values_list("pk", "decision_instrument_id"))
    assert linked[world.visit.pk] == linked[world.other_visit.pk] == instrument.pk
    assert linked[extra.pk] is None
    migration.link_decisions(apps, None)  # twice: nothing more
    assert LegalInstrument.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_stores_one_instrument_for_two_simultaneous_registrations(world):
    """Two coordinators paste the same citation at once: one row, both answered."""
    results: list[tuple[int, bool]] = []
    barrier = threading.Barrier(2)

    def paste(spelling: str) -> None:
        try:
            barrier.wait(timeout=5)
            instrument, created = legal_instrument_add(
                actor=world.people.coordinator_all, citation=spelling
            )
            results.append((instrument.pk, created))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=paste, args=(spelling,))
        for spelling in (Q126, "Quy định 126-QĐ/TW, ngày 28/2/2018")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert LegalInstrument.objects.count() == 1
    assert len({pk for pk, _created in results}) == 1
    assert sorted(created for _pk, created in results) == [False, True]
