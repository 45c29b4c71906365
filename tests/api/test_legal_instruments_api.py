"""legal-instruments/ (SPEC §5, §12) through the API, and SPEC §4's row for them
from every role: any coordinator registers, coordinators of everything edit and
mark replaced, teams and host contacts read, anyone else is not told it exists
(404), nobody signed in 401. A replaced instrument is flagged on what cites it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from checklists.models import AuditEvent, LegalInstrument
from checklists.services.legal_instruments import legal_instrument_add
from checklists.services.visits import visit_update
from tests import factories

URL = "/api/v1/legal-instruments/"
Q126 = "Quy định số 126-QĐ/TW ngày 28/02/2018 của Bộ Chính trị"


@pytest.fixture
def client_as(world):
    """client_as("lead") → an APIClient for that person; "stranger" is a signed-in
    person with no role at all (no unit, no team, not a coordinator)."""
    stranger = factories.UserFactory(username="stranger")

    def make(role: str) -> APIClient:
        client = APIClient()
        user = stranger if role == "stranger" else getattr(world.people, role)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def q126(world) -> LegalInstrument:
    return legal_instrument_add(actor=None, citation=Q126)[0]


def test_it_registers_a_pasted_citation_then_answers_the_stored_one(client_as):
    client = client_as("coordinator_in")
    first = client.post(URL, {"citation": Q126}, format="json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["style"] == "party"
    assert (body["number"], body["type_code"], body["issuer_code"]) == ("126", "QĐ", "TW")
    assert (body["year"], body["issued_on"], body["status"]) == (2018, "2018-02-28", "in_force")
    assert body["citation"] == Q126
    assert body["short_citation"] == "Quy định 126-QĐ/TW"
    assert body["replaced_by"] is None

    again = client.post(
        URL, {"citation": "quy định 126 - QĐ/TW, ngày 28/2/2018 của Bộ Chính trị"}, format="json"
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    # Cited without its date, the one instrument of that number is meant.
    bare = client.post(URL, {"citation": "126-QĐ/TW"}, format="json")
    assert (bare.status_code, bare.json()["id"]) == (200, body["id"])
    assert LegalInstrument.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="legalinstrument", action="create").count() == 1


def test_it_fills_a_stored_instruments_blanks_from_a_fuller_citation(client_as):
    client = client_as("coordinator_in")
    bare = client.post(URL, {"citation": "Quy định 126-QĐ/TW"}, format="json").json()
    assert bare["year"] is None
    full = client.post(URL, {"citation": Q126 + " “Một số vấn đề”"}, format="json")
    assert full.status_code == 200
    assert full.json()["id"] == bare["id"]
    assert (full.json()["year"], full.json()["issued_on"]) == (2018, "2018-02-28")
    assert full.json()["title"] == "Một số vấn đề"


def test_it_registers_state_instruments(client_as):
    client = client_as("coordinator_all")
    decree = client.post(URL, {"citation": "Nghị định số 30/2020/NĐ-CP"}, format="json").json()
    assert (decree["style"], decree["number"], decree["year"]) == ("state", "30", 2020)
    assert (decree["type_code"], decree["issuer_code"]) == ("NĐ", "CP")
    decision = client.post(URL, {"citation": "15/QĐ-BNV"}, format="json").json()
    assert decision["short_citation"] == "Quyết định 15/QĐ-BNV"
    assert decision["year"] is None


@pytest.mark.parametrize(
    ("citation", "words"),
    [
        ("Kế hoạch số 10", "No document number"),
        ("126-QĐ", "126-QĐ"),
        ("Thực hiện Quy định số 126-QĐ/TW", "Thực hiện"),
        ("Quy định 126-QĐ/TW ngày 30/02/2018", "30/02/2018"),
        ("", "This field may not be blank"),
    ],
)
def test_it_refuses_what_is_not_a_citation_with_the_part_named(client_as, citation, words):
    answer = client_as("coordinator_in").post(URL, {"citation": citation}, format="json")
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/problem+json")
    assert words in " ".join(answer.json()["errors"]["citation"])
    assert LegalInstrument.objects.count() == 0


def test_it_answers_in_the_requests_language(client_as):
    answer = client_as("coordinator_in").post(
        URL, {"citation": "Kế hoạch số 10"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "No document number was found" in answer.json()["errors"]["citation"][0]


# SPEC §4: add — any coordinator; edit — coordinators of everything; read — the
# teams and the host contacts; anyone else 404; nobody signed in 401.
ADD = {
    "coordinator_all": 201,
    "coordinator_in": 201,
    "coordinator_out": 201,
    "lead": 403,
    "member": 403,
    "host_in": 403,
    "stranger": 404,
    "anonymous": 401,
}
READ = {**dict.fromkeys(ADD, 200), "stranger": 404, "anonymous": 401}
EDIT = {
    **dict.fromkeys(("coordinator_in", "coordinator_out", "lead", "member", "host_in"), 403),
    "coordinator_all": 200,
    "stranger": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize("role", list(ADD))
def test_it_lets_only_coordinators_register(client_as, role):
    answer = client_as(role).post(URL, {"citation": "Chỉ thị số 39-CT/TW"}, format="json")
    assert answer.status_code == ADD[role], answer.content
    assert LegalInstrument.objects.count() == (1 if ADD[role] == 201 else 0)


@pytest.mark.parametrize("role", list(READ))
def test_it_lets_the_teams_and_hosts_read(client_as, q126, role):
    one = client_as(role).get(f"{URL}{q126.pk}/")
    assert one.status_code == READ[role]
    listed = client_as(role).get(URL)
    if READ[role] == 200:
        assert [row["id"] for row in listed.json()["results"]] == [q126.pk]
    elif role == "stranger":
        assert listed.status_code == 200 and listed.json()["results"] == []
    else:
        assert listed.status_code == 401


@pytest.mark.parametrize("role", list(EDIT))
def test_it_lets_only_coordinators_of_everything_edit(client_as, q126, role):
    answer = client_as(role).patch(f"{URL}{q126.pk}/", {"title": "Đổi tên"}, format="json")
    assert answer.status_code == EDIT[role], answer.content
    q126.refresh_from_db()
    assert (q126.title == "Đổi tên") is (EDIT[role] == 200)


def test_it_marks_replaced_and_flags_every_visit_citing_it(client_as, world, q126):
    visit_update(actor=None, visit=world.visit, decision_ref=Q126)
    newer = legal_instrument_add(actor=None, citation="Quy định số 205-QĐ/TW ngày 23/9/2019")[0]
    client = client_as("coordinator_all")
    visit_url = f"/api/v1/visits/{world.visit.pk}/"
    before = client.get(visit_url).json()
    assert (before["decision_instrument"], before["decision_replaced"]) == (q126.pk, False)

    answer = client.patch(f"{URL}{q126.pk}/", {"replaced_by": newer.pk}, format="json")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["replaced_by"]) == ("replaced", newer.pk)
    for role in ("coordinator_in", "lead", "host_in"):
        seen = client_as(role).get(visit_url).json()
        assert (seen["decision_instrument"], seen["decision_replaced"]) == (q126.pk, True)
    listed = client.get("/api/v1/visits/", {"code": "KT-HL"}).json()["results"]
    assert listed[0]["decision_replaced"] is True
    assert client.get(URL, {"status": "replaced"}).json()["count"] == 1

    # Back in force: the link to what replaced it goes with it.
    back = client.patch(f"{URL}{q126.pk}/", {"status": "in_force"}, format="json").json()
    assert (back["status"], back["replaced_by"]) == ("in_force", None)
    assert client.get(visit_url).json()["decision_replaced"] is False


def test_it_refuses_a_replacement_that_leads_back(client_as, q126):
    newer = legal_instrument_add(actor=None, citation="Quy định số 205-QĐ/TW")[0]
    client = client_as("coordinator_all")
    assert (
        client.patch(f"{URL}{q126.pk}/", {"replaced_by": q126.pk}, format="json").status_code == 400
    )
    assert (
        client.patch(f"{URL}{q126.pk}/", {"replaced_by": newer.pk}, format="json").status_code
        == 200
    )
    back = client.patch(f"{URL}{newer.pk}/", {"replaced_by": q126.pk}, format="json")
    assert back.status_code == 400
    assert "replaced_by" in back.json()["errors"]
    newer.refresh_from_db()
    assert newer.status == "in_force"


def test_it_refuses_parts_that_name_the_instrument_and_dates_of_another_year(client_as):
    client = client_as("coordinator_all")
    decree = client.post(URL, {"citation": "30/2020/NĐ-CP"}, format="json").json()
    url = f"{URL}{decree['id']}/"
    # The number's parts are read-only: sent, they change nothing.
    client.patch(url, {"number": "31", "type_code": "TT"}, format="json")
    assert LegalInstrument.objects.get().short_citation == "Nghị định 30/2020/NĐ-CP"
    wrong_year = client.patch(url, {"issued_on": "2019-03-05"}, format="json")
    assert wrong_year.status_code == 400
    assert "issued_on" in wrong_year.json()["errors"]
    dated = client.patch(url, {"issued_on": "2020-03-05"}, format="json").json()
    assert dated["citation"] == "Nghị định số 30/2020/NĐ-CP ngày 05/3/2020"
    assert client.patch(url, {"type_name": "Chỉ thị"}, format="json").status_code == 400


def test_it_refuses_a_date_that_makes_a_twin_of_another_instrument(client_as):
    client = client_as("coordinator_all")
    dated = client.post(URL, {"citation": "Quy định 126-QĐ/TW ngày 28/02/2018"}, format="json")
    other = client.post(URL, {"citation": "Quy định 126-QĐ/TW ngày 01/3/2023"}, format="json")
    assert (dated.status_code, other.status_code) == (201, 201)
    # Two years carry the number now: without a date, which one is meant is asked.
    ambiguous = client.post(URL, {"citation": "126-QĐ/TW"}, format="json")
    assert ambiguous.status_code == 400
    twin = client.patch(f"{URL}{other.json()['id']}/", {"issued_on": "2018-05-05"}, format="json")
    assert twin.status_code == 409


def test_it_filters_and_searches_the_registry(client_as):
    for citation in (Q126, "Chỉ thị số 39-CT/TW ngày 18/8/2014", "Nghị định 30/2020/NĐ-CP"):
        legal_instrument_add(actor=None, citation=citation)
    client = client_as("lead")

    def numbers(**query):
        answer = client.get(URL, query)
        assert answer.status_code == 200, answer.content
        return sorted(row["number"] for row in answer.json()["results"])

    assert numbers(style="state") == ["30"]
    assert numbers(type_code="CT") == ["39"]
    assert numbers(issuer_code="TW") == ["126", "39"]
    assert numbers(year=2018) == ["126"]
    assert numbers(search="Chính trị") == ["126"]
    assert numbers(status="in_force") == ["126", "30", "39"]
    assert client.get(URL, {"year": "two"}).status_code == 400
    assert client.get(URL, {"status": "gone"}).status_code == 400
