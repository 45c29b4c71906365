"""The registry in the admin: pasting registers through the service, editing goes
through the service, and a scoped coordinator's edit is refused with a message."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from checklists.models import LegalInstrument
from checklists.services.legal_instruments import legal_instrument_add
from tests import factories
from tests.checklists.test_admin import add, change, changelist, errors_of, form_data


@pytest.fixture
def staff(db, client):
    def sign_in(**kwargs):
        user = factories.coordinator(is_staff=True, **kwargs)
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="checklists"))
        client.force_login(user)
        return user

    return sign_in


def test_it_registers_a_pasted_citation_and_edits_it(client, staff):
    user = staff()
    page = client.get(add(LegalInstrument))
    assert page.status_code == 200
    saved = client.post(add(LegalInstrument), {"pasted": "Quy định số 126-QĐ/TW ngày 28/02/2018"})
    assert saved.status_code == 302, saved.content
    instrument = LegalInstrument.objects.get()
    assert (instrument.short_citation, instrument.created_by) == ("Quy định 126-QĐ/TW", user)
    for url in (changelist(LegalInstrument), changelist(LegalInstrument) + "?q=126"):
        assert client.get(url).status_code == 200

    newer = legal_instrument_add(actor=None, citation="Quy định số 205-QĐ/TW")[0]
    data = form_data(client.get(change(instrument)))
    data.update(replaced_by=str(newer.pk), title="Một số vấn đề")
    mismatched = client.post(change(instrument), data)
    assert mismatched.status_code == 200  # replaced_by with "in force": shown beside the form
    assert "names what replaced it" in str(mismatched.context["adminform"].form.errors)
    data["status"] = "replaced"
    edited = client.post(change(instrument), data)
    assert edited.status_code == 302, edited.content
    instrument.refresh_from_db()
    assert (instrument.status, instrument.replaced_by, instrument.title) == (
        "replaced",
        newer,
        "Một số vấn đề",
    )


def test_it_refuses_a_scoped_coordinators_edit_and_a_bad_citation(client, staff):
    unit = factories.UnitFactory(code="qn", name="Quảng Ninh")
    staff(scope=unit)
    refused = client.post(add(LegalInstrument), {"pasted": "Kế hoạch số 10"}, follow=True)
    assert refused.status_code == 200
    assert any("No document number" in text for text in errors_of(refused))
    assert LegalInstrument.objects.count() == 0

    instrument = legal_instrument_add(actor=None, citation="Chỉ thị số 39-CT/TW")[0]
    data = form_data(client.get(change(instrument)))
    data["title"] = "Đổi"
    answer = client.post(change(instrument), data, follow=True)
    assert any("coordinator of everything" in text for text in errors_of(answer))
    instrument.refresh_from_db()
    assert instrument.title == ""
