"""programmes/ (SPEC §5, §13): the API's door onto the programme services: shapes,
refusals as problem details, ETags, and who sees what (404 for everyone but the
coordinators in scope)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checklists.models import Programme, Visit
from checklists.services.programmes import programme_approve, programme_entries_replace
from tests import factories
from tests.programme_world import MARCH_3, entry

pytestmark = pytest.mark.django_db

OUTSIDERS = ("coordinator_out", "lead", "deputy", "member", "secretary", "host_in", "host_out")


def _url(plan, tail: str = "") -> str:
    return f"/api/v1/programmes/{plan.programme.pk}/{tail}"


def _entry_body(unit, lead, *members, start="2025-04-07", end="2025-04-11", **extra) -> dict:
    return {
        "host_unit": unit.pk,
        "lead": lead.pk,
        "members": [m.pk for m in members],
        "window_start": start,
        "window_end": end,
        **extra,
    }


def _body(plan, **changes) -> dict:
    return {
        "code": "KH-11/2025",
        "title": "Kế hoạch số 11",
        "issuer": plan.world.province_in.pk,
        "year": 2025,
        "outline": plan.world.outline.pk,
        "decision_ref": "Quyết định số 20-QĐ/TU ngày 10/01/2025",
        "entries": [
            _entry_body(plan.world.district, plan.people.lead_a, plan.people.member_a),
            _entry_body(
                plan.district2, plan.people.lead_b, deputy=plan.people.deputy_a.pk, secretary=None
            ),
        ],
        **changes,
    }


def test_it_reads_a_programme_with_its_entries(plan, client_for):
    response = client_for("coordinator_in").get(_url(plan))
    assert response.status_code == 200, response.json()
    data = response.json()
    assert response["ETag"] == f'"v{plan.programme.row_version}"'
    assert data["status"] == "draft"
    assert data["issuer"] == plan.world.province_in.pk
    assert data["decision_instrument"] == plan.programme.decision_instrument_id
    first = data["entries"][0]
    assert set(first) == {
        "id",
        "host_unit",
        "lead",
        "deputy",
        "secretary",
        "members",
        "window_start",
        "window_end",
        "visit",
    }
    assert first["members"] == [plan.people.member_a.pk]
    assert (first["window_start"], first["window_end"]) == ("2025-03-03", "2025-03-07")
    assert first["visit"] is None


def test_it_creates_a_programme_with_nested_entries(plan, client_for):
    response = client_for("coordinator_in").post("/api/v1/programmes/", _body(plan), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [e["host_unit"] for e in data["entries"]] == [plan.world.district.pk, plan.district2.pk]
    assert data["entries"][1]["deputy"] == plan.people.deputy_a.pk
    assert data["decision_instrument"] is not None
    assert Programme.objects.get(pk=data["id"]).entries.count() == 2


def test_it_names_the_entry_and_field_of_a_window_ending_before_it_starts(plan, client_for):
    body = _body(plan)
    body["entries"][0]["window_end"] = "2025-04-01"
    response = client_for("coordinator_in").post("/api/v1/programmes/", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["entries.0.window_end"]


def test_it_names_a_host_unit_outside_the_scope(plan, client_for):
    body = _body(plan)
    body["entries"][1]["host_unit"] = plan.world.province_out.pk
    response = client_for("coordinator_in").post("/api/v1/programmes/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["entries.1.host_unit"]
    assert not Programme.objects.filter(code="KH-11/2025").exists()


def test_it_names_a_missing_lead(plan, client_for):
    body = _body(plan)
    del body["entries"][0]["lead"]
    response = client_for("coordinator_in").post("/api/v1/programmes/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["entries[0].lead"]


def test_it_names_an_unreadable_date(plan, client_for):
    body = _body(plan)
    body["entries"][0]["window_start"] = "07/04/2025x"
    response = client_for("coordinator_in").post("/api/v1/programmes/", body, format="json")
    assert response.status_code == 400
    assert "entries[0].window_start" in response.json()["errors"]


@pytest.mark.parametrize("role", ["lead", "member", "host_in"])
def test_it_refuses_a_programme_from_someone_not_a_coordinator(plan, client_for, role):
    response = client_for(role).post("/api/v1/programmes/", _body(plan), format="json")
    assert response.status_code == 403
    assert not Programme.objects.filter(code="KH-11/2025").exists()


def test_it_asks_for_a_sign_in(plan, client_for):
    assert client_for("anonymous").get("/api/v1/programmes/").status_code in (401, 403)
    assert client_for("anonymous").get(_url(plan)).status_code in (401, 403)


def test_it_replaces_the_entries_with_a_put(plan, client_for):
    client = client_for("coordinator_in")
    body = _body(plan, code=plan.programme.code)
    body["entries"] = body["entries"][:1]
    response = client.put(
        _url(plan), body, format="json", HTTP_IF_MATCH=f'"v{plan.programme.row_version}"'
    )
    assert response.status_code == 200, response.json()
    assert len(response.json()["entries"]) == 1
    assert response.json()["title"] == "Kế hoạch số 11"
    assert response["ETag"] == f'"v{plan.programme.row_version + 1}"'


def test_it_changes_only_what_a_patch_sends(plan, client_for):
    response = client_for("coordinator_in").patch(_url(plan), {"title": "Tên mới"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Tên mới"
    assert len(response.json()["entries"]) == 2


def test_it_refuses_a_stale_if_match(plan, client_for):
    response = client_for("coordinator_in").patch(
        _url(plan), {"title": "Muộn"}, format="json", HTTP_IF_MATCH='"v999"'
    )
    assert response.status_code == 412
    assert Programme.objects.get().title == plan.programme.title


def test_it_walks_the_state_machine_and_refuses_a_wrong_step(plan, client_for):
    client = client_for("coordinator_in")
    assert client.post(_url(plan, "close/")).status_code == 409
    approved = client.post(_url(plan, "approve/"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert client.post(_url(plan, "approve/")).status_code == 409
    assert client.patch(_url(plan), {"title": "X"}, format="json").status_code == 409
    assert client.delete(_url(plan)).status_code == 409
    closed = client.post(_url(plan, "close/"))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.post(_url(plan, "create-visits/")).status_code == 409


def test_it_deletes_a_draft(plan, client_for):
    assert client_for("coordinator_in").delete(_url(plan)).status_code == 204
    assert not Programme.objects.exists()


def test_it_creates_the_visits_and_lists_the_skipped(plan, client_for):
    overlapping = [
        plan.entries[0],
        entry(plan.district2, plan.people.lead_b, plan.people.member_a, start=MARCH_3),
        entry(
            factories.UnitFactory(parent=plan.world.province_in, code="uong-bi"),
            plan.world.people.lead,
            start=MARCH_3,
        ),
    ]
    coordinator = plan.world.people.coordinator_in
    programme_entries_replace(actor=coordinator, programme=plan.programme, entries=overlapping)
    programme_approve(actor=coordinator, programme=plan.programme)
    client = client_for("coordinator_in")
    response = client.post(_url(plan, "create-visits/"))
    assert response.status_code == 200, response.json()
    data = response.json()
    [created] = data["created"]
    visit = Visit.objects.get(pk=created["id"])
    assert created["host_unit"] == visit.host_unit_id
    assert created["entry"] == visit.programme_entry.pk
    assert [s["host_unit"] for s in data["skipped"]] == [plan.world.district.pk, plan.district2.pk]
    assert {c["kind"] for s in data["skipped"] for c in s["clashes"]} >= {"person_double_booked"}
    again = client.post(_url(plan, "create-visits/")).json()
    assert again["created"] == [] and len(again["skipped"]) == 2
    visit_data = client.get(f"/api/v1/visits/{visit.pk}/").json()
    assert visit_data["programme"] == plan.programme.pk
    assert visit_data["issuer"] == plan.world.province_in.pk
    assert client.get(_url(plan)).json()["entries"][2]["visit"] == visit.pk


def test_it_lists_the_clashes_of_the_entries(plan, client_for):
    overlapping = [
        plan.entries[0],
        entry(plan.district2, plan.people.lead_a, start=MARCH_3),
    ]
    programme_entries_replace(
        actor=plan.world.people.coordinator_in, programme=plan.programme, entries=overlapping
    )
    response = client_for("coordinator_in").get(_url(plan, "clashes/"))
    assert response.status_code == 200
    rows = response.json()
    assert {row["host_unit"] for row in rows} == {plan.world.district.pk, plan.district2.pk}
    clash = next(c for row in rows for c in row["clashes"] if c["severity"] == "error")
    assert clash["kind"] == "person_double_booked"
    assert clash["people"] == [plan.people.lead_a.pk]


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize(
    ("method", "tail"),
    [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "approve/"),
        ("post", "close/"),
        ("post", "create-visits/"),
        ("get", "clashes/"),
    ],
)
def test_it_answers_404_to_everyone_but_its_coordinators(plan, client_for, role, method, tail):
    response = getattr(client_for(role), method)(_url(plan, tail), {}, format="json")
    assert response.status_code == 404
    assert Programme.objects.get().status == "draft"


@pytest.mark.parametrize("role", OUTSIDERS)
def test_it_lists_nothing_to_everyone_but_its_coordinators(plan, client_for, role):
    response = client_for(role).get("/api/v1/programmes/")
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("role", ["coordinator_in", "coordinator_all"])
def test_it_lists_the_programme_to_its_coordinators(plan, client_for, role):
    response = client_for(role).get("/api/v1/programmes/", {"year": 2025, "status": "draft"})
    assert [p["id"] for p in response.json()["results"]] == [plan.programme.pk]
    other = client_for(role).get("/api/v1/programmes/", {"status": "approved"})
    assert other.json()["results"] == []
    by_issuer = client_for(role).get("/api/v1/programmes/", {"issuer": plan.world.central.pk})
    assert by_issuer.json()["results"] == []


def test_it_forbids_a_scoped_coordinator_a_programme_reaching_outside(plan, client_for):
    entries = [*plan.entries, entry(plan.world.province_out, plan.people.lead_b, start=MARCH_3)]
    programme_entries_replace(
        actor=plan.world.people.coordinator_all, programme=plan.programme, entries=entries
    )
    client = client_for("coordinator_in")
    assert client.get(_url(plan)).status_code == 200
    assert client.post(_url(plan, "approve/")).status_code == 403


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/programmes/").status_code == 200
    return len(queries)


def test_it_lists_programmes_in_queries_constant_in_their_entries(plan, client_for):
    client = client_for("coordinator_all")
    before = _list_queries(client)
    more = [
        entry(
            factories.UnitFactory(parent=plan.world.province_in),
            factories.UserFactory(),
            factories.UserFactory(),
            start=MARCH_3,
        )
        for _ in range(6)
    ]
    programme_entries_replace(actor=None, programme=plan.programme, entries=[*plan.entries, *more])
    assert _list_queries(client) == before


def test_it_names_a_field_missing_from_an_entry_of_a_patch(plan, client_for):
    body = {"entries": [{"host_unit": plan.world.district.pk, "window_start": "2025-04-07"}]}
    response = client_for("coordinator_in").patch(_url(plan), body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"entries[0].lead", "entries[0].window_end"}
    assert Programme.objects.get().entries.count() == 2
