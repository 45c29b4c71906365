"""Regression tests for what fuzzing the API found (tests/api/test_schemathesis.py).

Each bug class gets a small, readable case: the request that used to give a 500,
a schema violation or a silently different answer, and the 400 (or 404) problem
details it gives now, naming the parameter or field at fault.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import yaml
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator

from checklists.models import AuditEvent, Outline, Unit
from checklists.outline_files import dump_outline
from checklists.services.outlines import outline_create, outline_data

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def coordinator(client_for):
    client = client_for("coordinator_all")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages to assert on, not translations
    return client


def assert_problem(response, status: int, field: str | None = None, says: str = "") -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    if field is not None:
        assert field in body["errors"], body
        assert field in body["detail"]
        if says:
            assert says in " ".join(body["errors"][field]), body["errors"][field]
    return body


# --- The schema documents every answer ------------------------------------------------


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_it_documents_problem_details_on_every_operation(openapi):
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for label, operation in _operations(openapi):
        errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
        assert {"400", "406", "429"} <= set(errors), label
        for code, response in errors.items():
            assert response["content"] == {PROBLEM: problem}, (label, code)
        if "401" in errors:
            assert errors["401"]["headers"]["WWW-Authenticate"]["required"], label
    assert set(openapi["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
    }


def test_it_documents_the_etag_and_if_match_of_visits_and_checklist_items(openapi):
    paths = openapi["paths"]
    conditional = [
        paths["/api/v1/visits/{id}/"]["patch"],
        paths["/api/v1/visits/{id}/cancel/"]["post"],
        paths["/api/v1/visits/{id}/reschedule/"]["post"],
        paths["/api/v1/checklist-items/{id}/"]["patch"],
    ]
    for operation in conditional:
        assert any(p["name"] == "If-Match" for p in operation["parameters"])
        assert operation["responses"]["200"]["headers"]["ETag"]["required"]
        assert operation["responses"]["412"]["headers"]["ETag"]["required"]
    for operation in (
        paths["/api/v1/visits/{id}/"]["get"],
        paths["/api/v1/checklist-items/{id}/"]["get"],
    ):
        assert operation["responses"]["200"]["headers"]["ETag"]["required"]
    assert paths["/api/v1/visits/"]["post"]["responses"]["201"]["headers"]["ETag"]
    assert paths["/api/v1/visits/{visit_pk}/checklist/"]["post"]["responses"]["201"]["headers"]


def test_it_documents_what_a_visit_patch_really_answers(openapi):
    responses = openapi["paths"]["/api/v1/visits/{id}/"]["patch"]["responses"]
    body = responses["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Visit"}


def test_it_documents_json_as_the_request_format(openapi):
    for label, operation in _operations(openapi):
        content = operation.get("requestBody", {}).get("content", {})
        assert set(content) in (set(), {"application/json"}, {"multipart/form-data"}), label


def test_it_answers_a_null_actor_for_system_events_as_documented(world, coordinator, openapi):
    actor = openapi["components"]["schemas"]["AuditEvent"]["properties"]["actor"]
    assert actor["nullable"] is True
    AuditEvent.objects.create(actor=None, actor_name="system", action="x", object_type="visit")
    results = coordinator.get("/api/v1/audit/", {"action": "x"}).json()["results"]
    assert [event["actor"] for event in results] == [None]


# --- Query filters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("visits/", "host_unit"),
        ("visits/", "outline"),
        ("visits/", "within"),
        ("units/", "parent"),
        ("users/", "coordinator_scope"),
        ("checklist-items/", "assignee"),
        ("checklist-items/", "visit"),
        ("audit/", "actor"),
    ],
)
@pytest.mark.parametrize("value", ["99999999999999999999", "2.0", "1e3", "-1", "0", "abc"])
def test_it_refuses_an_id_filter_that_is_not_an_id(world, coordinator, path, parameter, value):
    """A foreign key used to be a ModelChoiceFilter: 20 digits reached PostgreSQL
    ("bigint out of range") and "2.0" read as 2."""
    assert_problem(coordinator.get(f"/api/v1/{path}", {parameter: value}), 400, parameter)


@pytest.mark.parametrize("parameter", ["search", "title"])
def test_it_refuses_a_search_text_longer_than_a_paragraph(world, coordinator, parameter):
    """SQLite refuses LIKE patterns over 50,000 bytes: "pattern too complex" (500)."""
    response = coordinator.get("/api/v1/visits/", {parameter: "x" * 60_000})
    assert_problem(response, 400, parameter, "1000")
    assert coordinator.get("/api/v1/visits/", {parameter: "x" * 1000}).status_code == 200


def test_it_filters_by_an_invisible_id_without_saying_it_exists(world, client_for):
    """SPEC §4: what a person may not see must not leak; "not a valid choice" for
    a unit that exists but is out of sight did."""
    host = client_for("host_in")
    hidden = host.get("/api/v1/visits/", {"host_unit": world.province_out.pk})
    missing = host.get("/api/v1/visits/", {"host_unit": 10**15})
    assert hidden.status_code == missing.status_code == 200
    assert hidden.json()["count"] == missing.json()["count"] == 0


@pytest.mark.parametrize(
    ("path", "parameter"),
    [("visits/", "mine"), ("milestones/", "dated_by_hand"), ("users/", "is_active")],
)
@pytest.mark.parametrize("value", ["null", "yes", "2", "True "])
def test_it_refuses_a_boolean_filter_that_is_not_true_or_false(
    world, coordinator, path, parameter, value
):
    """django-filter's boolean widget quietly turned these into "no filter"."""
    assert_problem(coordinator.get(f"/api/v1/{path}", {parameter: value}), 400, parameter)


def test_it_still_filters_by_true_and_false(world, coordinator):
    assert coordinator.get("/api/v1/users/", {"is_active": "true"}).json()["count"] > 0
    assert coordinator.get("/api/v1/users/", {"is_active": "false"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("visits/", "session_before"),
        ("visits/", "status"),
        ("units/", "kind"),
        ("checklist-items/", "due_before"),
        ("audit/", "at_before"),
        ("outlines/", "version"),
    ],
)
def test_it_refuses_an_empty_value_where_text_is_not_expected(world, coordinator, path, parameter):
    assert_problem(
        coordinator.get(f"/api/v1/{path}", {parameter: ""}), 400, parameter, "leave the parameter"
    )


def test_it_treats_empty_text_filters_as_absent(world, coordinator):
    assert coordinator.get("/api/v1/visits/", {"title": ""}).status_code == 200


def test_it_refuses_a_fractional_outline_version(world, coordinator):
    assert_problem(coordinator.get("/api/v1/outlines/", {"version": "0.5"}), 400, "version")


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("at_after", "0001-01-01T00:00:00+05:00"), ("at_before", "9999-12-31T23:59:59-05:00")],
)
def test_it_refuses_times_outside_the_window_in_filters(world, coordinator, parameter, value):
    """On SQLite, converting these to UTC for the query overflowed (500)."""
    assert_problem(coordinator.get("/api/v1/audit/", {parameter: value}), 400, parameter, "1970")


# An empty `ordering` is the default order since issue 17 (test_list_ordering.py).
@pytest.mark.parametrize("ordering", ["progress", "--id", "id,", "title;drop"])
def test_it_refuses_to_order_by_an_unknown_field(world, coordinator, ordering):
    """DRF dropped the unknown field and answered in some other order."""
    body = assert_problem(coordinator.get("/api/v1/visits/", {"ordering": ordering}), 400)
    assert "first_session" in " ".join(body["errors"]["ordering"])


def test_it_orders_by_the_documented_fields(world, coordinator):
    response = coordinator.get("/api/v1/visits/", {"ordering": "-title,code"})
    titles = [visit["title"] for visit in response.json()["results"]]
    assert titles == sorted(titles, reverse=True)


# --- Pagination ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"page_size": "null"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "501"}, "page_size"),
        ({"page_size": "99999999999999999999999"}, "page_size"),
        ({"page": ""}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "last"}, "page"),
        ({"page": "1.5"}, "page"),
    ],
)
def test_it_refuses_page_and_page_size_garbage(world, coordinator, query, parameter):
    """DRF used to answer the default page size, or the first page, instead."""
    assert_problem(coordinator.get("/api/v1/units/", query), 400, parameter)


def test_it_answers_404_past_the_last_page_and_pages_within_the_limit(world, coordinator):
    assert_problem(coordinator.get("/api/v1/units/", {"page": 999}), 404)
    page = coordinator.get("/api/v1/units/", {"page_size": 500, "page": 1})
    assert page.status_code == 200
    assert len(page.json()["results"]) == Unit.objects.count()


# --- JSON bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field", "says"),
    [
        ("units/", {"name": "Đơn vị", "code": 0, "kind": "district"}, "code", "not a number"),
        ("units/", {"name": ["x"], "code": "dv", "kind": "district"}, "name", "not a list"),
        ("users/", {"username": "nguoi", "is_coordinator": "yes"}, "is_coordinator", "true or"),
        (
            "units/",
            {"name": "Đơn vị", "code": "dv", "kind": "district", "parent": "1"},
            "parent",
            "",
        ),
        *[
            (
                "units/",
                {"name": "Đơn vị", "code": "dv", "kind": "district", "parent": p},
                "parent",
                "",
            )
            for p in (1.5, 1e300)
        ],
    ],
)
def test_it_refuses_json_values_of_the_wrong_type(world, coordinator, path, body, field, says):
    """DRF turned 0 into "0", "yes" into true, "1" into an id and 1.5 into id 1:
    the schema said string, boolean and integer. 1e300 overflowed SQLite's integer."""
    assert_problem(coordinator.post(f"/api/v1/{path}", body, format="json"), 400, field, says)


def test_it_refuses_a_text_version_of_an_outline(world, coordinator):
    body = {
        "code": "KH-11",
        "version": "2",
        "title": "Đề cương",
        "sections": [
            {"number": "I", "title": "A", "items": [{"number": "1", "text": "x", "answer": "text"}]}
        ],
    }
    assert_problem(coordinator.post("/api/v1/outlines/", body, format="json"), 400, "version")


def test_it_still_reads_form_values_as_text(world, coordinator, tmp_path):
    """Multipart has only text: `publish=true` stays a boolean there."""
    upload = tmp_path / "kh-12.yaml"
    upload.write_text(dump_outline(replace(outline_data(world.outline), code="KH-12"), fmt="yaml"))
    with upload.open("rb") as fh:
        response = coordinator.post(
            "/api/v1/outlines/import/", {"file": fh, "publish": "true"}, format="multipart"
        )
    assert response.status_code == 201, response.content[:500]
    assert response.json()["status"] == "published"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 100_000, "nested too deeply"),
        (b'{"title": ' * 5_000, "nested too deeply"),
        (b'{"title": ', "JSON parse error"),
        (b'{"title": "\xff\xfe"}', "JSON parse error"),
    ],
)
def test_it_refuses_malformed_json_with_a_400(world, coordinator, body, message):
    """A body nested deeper than the recursion limit used to escape as a RecursionError."""
    response = coordinator.generic(
        "PATCH", f"/api/v1/visits/{world.visit.pk}/", body, content_type="application/json"
    )
    assert message in assert_problem(response, 400)["detail"]


def test_it_refuses_a_body_of_the_wrong_media_type(world, coordinator):
    response = coordinator.generic(
        "PATCH", f"/api/v1/visits/{world.visit.pk}/", b"title=x", content_type="text/plain"
    )
    assert_problem(response, 415)


# --- Dates and times -------------------------------------------------------------------


def test_it_refuses_a_time_before_1970(world, coordinator):
    """done_at 1162 was stored and rendered with Vietnam's local mean time offset,
    `+07:06:40`, which is not an RFC 3339 time."""
    milestone = world.visit.milestones.first()
    response = coordinator.patch(
        f"/api/v1/milestones/{milestone.pk}/",
        {"done": True, "done_at": "1162-07-07T12:10:33Z"},
        format="json",
    )
    assert_problem(response, 400, "done_at", "1970")
    milestone.refresh_from_db()
    assert milestone.done_at is None


@pytest.mark.parametrize("start", ["0512-06-18T21:31:22+07:00", "9999-12-31T23:00:00+07:00"])
def test_it_refuses_to_reschedule_a_visit_outside_1970_to_2199(world, coordinator, start):
    response = coordinator.post(
        f"/api/v1/visits/{world.visit.pk}/reschedule/",
        {"first_session_start": start},
        format="json",
    )
    assert_problem(response, 400, "first_session_start")


def test_it_refuses_sessions_and_due_dates_outside_the_window(world, coordinator):
    visit = f"/api/v1/visits/{world.visit.pk}/"
    sessions = [{"start": "2200-01-01T08:00:00+07:00", "end": "2200-01-01T10:00:00+07:00"}]
    assert_problem(
        coordinator.patch(visit, {"sessions": sessions}, format="json"), 400, "sessions[0].start"
    )
    item = f"/api/v1/checklist-items/{world.item.pk}/"
    assert_problem(
        coordinator.patch(item, {"due_date": "9999-12-31"}, format="json"), 400, "due_date"
    )


# --- Checklist answers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("Có\x00", "Null characters"),
        ("\ud800", "Surrogate characters"),
        ({"text": "Có"}, "text, a number"),
        (["Có"], "text, a number"),
        ("x" * 20_001, "20000"),
    ],
)
def test_it_refuses_answers_the_database_cannot_store(world, coordinator, answer, says):
    """PostgreSQL's jsonb refuses \\u0000 and unpaired surrogates; the answer was
    an error naming no field (or, on SQLite, stored)."""
    response = coordinator.generic(
        "PATCH",
        f"/api/v1/checklist-items/{world.item.pk}/",
        json.dumps({"answer": answer}),  # ASCII escapes: a lone surrogate cannot be UTF-8
        content_type="application/json",
    )
    assert_problem(response, 400, "answer", says)


# --- Outline export --------------------------------------------------------------------


def test_it_exports_yaml_to_a_client_that_asks_for_it(world, coordinator):
    """`Accept: application/yaml` used to answer 406: only JSON was negotiable."""
    url = f"/api/v1/outlines/{world.outline.pk}/export/"
    response = coordinator.get(url, HTTP_ACCEPT="application/yaml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert yaml.safe_load(response.content)["code"] == world.outline.code

    as_json = coordinator.get(url, HTTP_ACCEPT="application/json")
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    assert as_json.json()["code"] == world.outline.code
    assert_problem(coordinator.get(url, {"format": "xml"}), 400, "format")


def test_it_exports_an_outline_whose_code_would_break_the_header(world, coordinator):
    """A line break in the code made Django refuse the Content-Disposition header (500).
    Codes are one line since issue 17, so the row is written past the service, as
    one stored before the rule would be."""
    outline = outline_create(
        actor=None, data=replace(outline_data(world.outline), code='KH "10" bis')
    )
    Outline.objects.filter(pk=outline.pk).update(code='KH "10"\nbis')
    response = coordinator.get(f"/api/v1/outlines/{outline.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="KH-10-bis-v1.yaml"'
    assert Outline.objects.filter(pk=outline.pk).exists()
