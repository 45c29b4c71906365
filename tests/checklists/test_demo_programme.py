"""The demo's Plan 10 programme (checklists.demo.programme): approved, Team No. 3's
visits adopted as its entries' visits, and one deliberate clash that makes
"create visits" skip the Thanh Bình entry."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from checklists.clashes import PERSON_DOUBLE_BOOKED
from checklists.demo.programme import PROGRAMME_CODE
from checklists.models import Programme, User, Visit
from checklists.services.programme_visits import programme_clashes, programme_create_visits

pytestmark = pytest.mark.django_db


def test_it_seeds_plan_10_as_an_approved_programme_with_one_clash():
    call_command("seed_demo", stdout=io.StringIO())
    programme = Programme.objects.get(code=PROGRAMME_CODE)
    assert programme.status == Programme.Status.APPROVED
    assert programme.issuer.code == "tieu-ban-bvctnb"
    assert [i.short_citation for i in programme.legal_basis.all()] == ["Quy định 126-QĐ/TW"]
    entries = {e.host_unit.code: e for e in programme.entries.select_related("host_unit", "visit")}
    assert sorted(entries) == ["quang-ninh", "thanh-binh", "vinh-phuc"]
    assert entries["quang-ninh"].visit.code == "KT3-QN-2024"
    assert entries["vinh-phuc"].visit.code == "KT3-VP-DEMO"
    assert entries["thanh-binh"].visit is None
    assert set(Visit.objects.filter(programme=programme).values_list("code", flat=True)) == {
        "KT3-QN-2024",
        "KT3-VP-DEMO",
    }

    coordinator = User.objects.get(username="dieuphoi")
    errors = [
        (found.entry.host_unit.code, clash.kind)
        for found in programme_clashes(actor=coordinator, programme=programme)
        for clash in found.errors
    ]
    assert ("thanh-binh", PERSON_DOUBLE_BOOKED) in errors
    result = programme_create_visits(actor=coordinator, programme=programme)
    assert result.created == []
    assert [found.entry.host_unit.code for found in result.skipped] == ["thanh-binh"]
    assert [c.people for c in result.skipped[0].errors] == [
        (User.objects.get(username="phodoan").pk,)
    ]

    # A second run changes nothing.
    call_command("seed_demo", stdout=io.StringIO())
    assert Programme.objects.count() == 1
    assert programme.entries.count() == 3
