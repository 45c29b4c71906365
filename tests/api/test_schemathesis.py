"""Schemathesis against the live OpenAPI schema, in-process through the WSGI app.

Every operation of /api/v1/schema/ is fuzzed as a coordinator of everything and
as a host contact, and anonymously: no request may give a 5xx, every answer must
match what the schema documents (status, content type, body, headers, 405 with
`Allow` for undocumented methods), and input the schema calls invalid must be
refused with a 4xx. A deterministic sweep then sends every operation the
malformed input a generator rarely produces: broken or deeply nested JSON, bodies
that are not UTF-8, the wrong media type, NUL characters, huge numbers, very long
strings and stray Unicode, in the body, the query string and the headers.

Each example runs in a savepoint that is rolled back afterwards, so a cancelled
visit or a deleted outline does not leak into the next example, and with the
throttling counters cleared, so the volume of requests never turns into 429s.
The run is derandomized: CI fuzzes the same examples every time.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from api.models import ApiToken
from backend.wsgi import application
from checklists.models import (
    AuditEvent,
    ChecklistItem,
    Milestone,
    Outline,
    Recommendation,
    TeamMembership,
    Unit,
    User,
    Visit,
)
from checklists.services.conclusions import conclusion_for, conclusion_issue, conclusion_update
from checklists.services.outlines import outline_new_version
from checklists.services.recommendations import RecommendationInput
from checklists.services.visits import SessionInput, TeamInput, visit_create, visit_transition
from tests import factories
from tests.conftest import local

# Makes pytest-django create the test database; each test then runs in a
# savepoint of its own inside the module's world (fuzz_world).
pytestmark = pytest.mark.django_db


def _config(*, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            # Test data only: a failure report is more useful with the token and the
            # values that were sent.
            "output": {"sanitization": {"enabled": False}},
            "checks": {
                # A stale If-Match (412) and a too-large body (413) refuse a request too.
                "negative_data_rejection": {
                    "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 429]
                }
            },
            "phases": {"coverage": {"enabled": coverage}},
        }
    )


# The coverage phase (boundary values, missing and unexpected parameters, every
# undocumented method) runs for the coordinator, who gets furthest into each
# operation; the other identities are refused early, so random examples suffice.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/", application, config=_config(coverage=True)
)
light_schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/", application, config=_config(coverage=False)
)

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
CHECKS = [*CONFORMANCE, negative_data_rejection, unsupported_method]

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    # Nothing here is flaky or slow by accident: examples share the module's
    # world on purpose (each rolls its changes back), and some bodies are large.
    suppress_health_check=list(HealthCheck),
)

# --- Steering examples towards real objects -------------------------------------------
#
# Random ids almost never exist and random dates almost never fall in 1970–2199,
# so without help nearly every example would stop at a 404 or a date error. The
# hooks below point most ids at seeded objects and move most dates into the
# window; values that are not ids or dates at all (negative data) stay as they are.

PATH_KINDS = {
    "/api/v1/units/": "units",
    "/api/v1/users/": "users",
    "/api/v1/outlines/": "outlines",
    "/api/v1/visits/": "visits",
    "/api/v1/checklist-items/": "items",
    "/api/v1/milestones/": "milestones",
    "/api/v1/audit/": "audit",
    "/api/v1/recommendations/": "recommendations",
}
FIELD_KINDS = {
    "outline": "outlines",
    "host_unit": "units",
    "parent": "units",
    "within": "units",
    "coordinator_scope": "units",
    "user": "users",
    "assignee": "users",
    "team_member": "users",
    "actor": "users",
    "visit": "visits",
    "addressee": "units",
    "signer": "users",
}
# Path parameters other than `id`, and the objects they name.
PARAMETER_KINDS = {"visit_pk": "visits", "milestone_pk": "milestones", "unit_pk": "units"}
ID = re.compile(r"[0-9]{1,18}")
MAX_ID = 2**63 - 1
DATE_PREFIX = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# The ids of the module's world, read by the hooks while Hypothesis draws.
KNOWN_IDS: dict[str, list[int]] = {}


def _kind_for_path(path: str) -> str | None:
    return next((kind for prefix, kind in PATH_KINDS.items() if path.startswith(prefix)), None)


def _steer(value: Any, rnd: random.Random, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _steer(v, rnd, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_steer(v, rnd, key) for v in value]
    ids = KNOWN_IDS.get(FIELD_KINDS.get(key or "", ""))
    if (
        ids
        and isinstance(value, int)
        and not isinstance(value, bool)
        # Ids are ≥ 1 in the schema: a 0 or a negative one is negative data, and
        # steering it to a real id would turn a request that must be refused into
        # a valid one (seen with calendar/feeds/'s host_unit).
        and 1 <= value <= MAX_ID
        and rnd.random() < 0.7
    ):
        return rnd.choice(ids)
    if isinstance(value, str) and DATE_PREFIX.match(value) and rnd.random() < 0.7:
        return f"{rnd.randint(2023, 2026)}{value[4:]}"
    return value


def _steering(value: Any):
    return st.randoms(use_true_random=False).map(lambda rnd: _steer(value, rnd))


def _kind_for_parameter(name: str, path: str) -> str | None:
    return PARAMETER_KINDS.get(name) or (_kind_for_path(path) if name == "id" else None)


def flatmap_path_parameters(context, path_parameters):
    def pick(rnd: random.Random):
        picked = dict(path_parameters or {})
        for name, value in picked.items():
            ids = KNOWN_IDS.get(_kind_for_parameter(name, context.operation.path) or "")
            if ids and ID.fullmatch(str(value)) and rnd.random() < 0.8:
                picked[name] = str(rnd.choice(ids))
        return picked

    return st.randoms(use_true_random=False).map(pick)


def flatmap_body(context, body):
    return _steering(body)


def flatmap_query(context, query):
    return _steering(query)


for _schema in (schema, light_schema):
    for _hook in (flatmap_path_parameters, flatmap_body, flatmap_query):
        _schema.hook(_hook)


# --- The world, the requests ----------------------------------------------------------


def _seed_world() -> SimpleNamespace:
    """Units, people in every role, the Plan 10 outline (published, plus a draft
    of its next version) and a visit in every status."""
    central = factories.UnitFactory(kind=Unit.Kind.CENTRAL, code="central", name="Trung ương")
    province_in = factories.UnitFactory(parent=central, code="quang-ninh", name="Quảng Ninh")
    district = factories.UnitFactory(
        parent=province_in, kind=Unit.Kind.DISTRICT, code="ha-long", name="Hạ Long"
    )
    province_out = factories.UnitFactory(parent=central, code="vinh-phuc", name="Vĩnh Phúc")
    coordinator_all = factories.coordinator(username="coord_all")
    factories.coordinator(scope=province_in, username="coord_in")
    lead = factories.UserFactory(username="lead")
    deputy = factories.UserFactory(username="deputy")
    host_in = factories.host_contact(district, username="host_in")
    factories.host_contact(province_out, username="host_out")
    outline = factories.plan10_outline()
    outline_new_version(actor=coordinator_all, outline=outline)

    start = local(2024, 6, 3, 8)
    order = [
        Visit.Status.PLANNED,
        Visit.Status.ANNOUNCED,
        Visit.Status.IN_PROGRESS,
        Visit.Status.REPORTING,
        Visit.Status.CONCLUDED,
        Visit.Status.CLOSED,
    ]
    for target in [*order, Visit.Status.CANCELLED]:
        visit = visit_create(
            actor=coordinator_all,
            outline=outline,
            host_unit=district if target != Visit.Status.CLOSED else province_out,
            title=f"Kiểm tra ({target})",
            code=f"KT-{target}",
            sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
            team=[
                TeamInput(lead, TeamMembership.Role.LEAD),
                TeamInput(deputy, TeamMembership.Role.DEPUTY),
            ],
            # One visit per status, all at once with the same team: clashes (SPEC §13)
            # the fuzzing world plans over on purpose.
            override=True,
        )
        steps = order[1 : order.index(target) + 1] if target in order else [target]
        for status in steps:
            if status == Visit.Status.CONCLUDED:
                # The only way there: issuing the conclusion (SPEC §11), with a
                # recommendation for the recommendations' operations to find.
                conclusion_for(actor=None, visit=visit)
                conclusion_update(
                    actor=None,
                    visit=visit,
                    summary="Kết luận",
                    recommendations=[
                        RecommendationInput(
                            text="Khắc phục", addressee=visit.host_unit, offset_days=30
                        )
                    ],
                )
                conclusion_issue(actor=None, visit=visit)
                continue
            visit_transition(actor=None, visit=visit, to=status, carry_over=True)
    return SimpleNamespace(coordinator_all=coordinator_all, host_in=host_in)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once for the module inside a transaction that is rolled
    back at its end; every example and sweep request runs in a savepoint of its
    own inside it. Its ids feed the hooks above."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        ),
        transaction.atomic(),
    ):
        people = _seed_world()
        KNOWN_IDS.update(
            units=list(Unit.objects.values_list("pk", flat=True)),
            users=list(User.objects.values_list("pk", flat=True)),
            outlines=list(Outline.objects.values_list("pk", flat=True)),
            visits=list(Visit.objects.values_list("pk", flat=True)),
            items=list(ChecklistItem.objects.values_list("pk", flat=True)[:20]),
            milestones=list(Milestone.objects.values_list("pk", flat=True)[:20]),
            audit=list(AuditEvent.objects.values_list("pk", flat=True)[:20]),
            recommendations=list(Recommendation.objects.values_list("pk", flat=True)),
        )
        tokens = {
            role: ApiToken.issue(getattr(people, role))[1]
            for role in ("coordinator_all", "host_in")
        }
        yield SimpleNamespace(tokens=tokens)
        KNOWN_IDS.clear()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def in_process_requests():
    """What Django's test client does too: a request must not close the test's
    connection, which holds the transaction every example rolls back to."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@contextmanager
def isolated_example():
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _fuzz(case, token: str | None):
    headers = _bearer(token)
    with isolated_example():
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
    return response


# --- Fuzzing --------------------------------------------------------------------------


@schema.parametrize()
@FUZZ
def test_it_survives_fuzzing_as_a_coordinator(case, fuzz_world, in_process_requests):
    _fuzz(case, fuzz_world.tokens["coordinator_all"])


@light_schema.parametrize()
@settings(FUZZ, max_examples=20)
def test_it_survives_fuzzing_as_a_host_contact(case, fuzz_world, in_process_requests):
    _fuzz(case, fuzz_world.tokens["host_in"])


@light_schema.parametrize()
@settings(FUZZ, max_examples=5)
def test_it_survives_fuzzing_anonymously(case, fuzz_world, in_process_requests):
    response = _fuzz(case, None)
    security = case.operation.definition.raw.get("security", [])
    if security and {} not in security:
        assert response.status_code >= 400, f"{case.operation.label} answered anonymously"


# --- Malformed input, every operation -------------------------------------------------


def _operations() -> dict[str, Any]:
    operations = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations[result.ok().label] = result.ok()
    return operations


OPERATIONS = _operations()
NUL = "a\x00b"
HUGE = 10**40
LONG = "x" * 100_000
UNICODE = "Đoàn kiểm tra 😀 \u202e\ufeff \u0301"


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema.raw_schema["components"]["schemas"][name]
    return node


def _json_body_schema(operation) -> dict | None:
    body = operation.definition.raw.get("requestBody", {}).get("content", {})
    media = body.get("application/json")
    return _resolve(media["schema"]) if media else None


def _filled(body_schema: dict, string: Any, number: Any) -> dict:
    """Every documented top-level property, strings and numbers replaced."""
    filled: dict[str, Any] = {}
    for name, prop in body_schema.get("properties", {}).items():
        prop = _resolve(prop)
        kind = prop.get("type")
        if kind == "string":
            filled[name] = string
        elif kind in ("integer", "number"):
            filled[name] = number
        elif kind == "array":
            filled[name] = [string]
        else:
            filled[name] = string
    return filled


def _path_parameters(operation) -> dict[str, str]:
    """An existing object for every path parameter that names a seeded kind."""
    return {
        name: str(KNOWN_IDS.get(_kind_for_parameter(name, operation.path) or "", [1])[0])
        for name in re.findall(r"{(\w+)}", operation.path)
    }


def _send(operation, *, token, body=None, content_type=None, query=None, headers=None):
    case = operation.Case(path_parameters=_path_parameters(operation), query=query or {})
    sent = {**_bearer(token), **(headers or {})}
    kwargs = {}
    if body is not None:
        sent["Content-Type"] = content_type or "application/json"
        kwargs["data"] = body if isinstance(body, bytes) else json.dumps(body).encode()
    with isolated_example():
        response = case.call(headers=sent, **kwargs)
        case.validate_response(response, checks=CONFORMANCE, headers=sent)
    return response


def _assert_refused(response, what: str) -> None:
    assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.text}"
    assert response.headers["content-type"][0].startswith("application/problem+json"), what
    assert response.json()["detail"], what


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_it_refuses_malformed_input(label, fuzz_world, in_process_requests):
    """GIVEN any operation of the schema, as a coordinator of everything
    WHEN it gets a broken body, a hostile query string or garbage headers
    THEN it answers as documented, with a 4xx wherever the input is unusable."""
    operation = OPERATIONS[label]
    token = fuzz_world.tokens["coordinator_all"]

    body_schema = _json_body_schema(operation)
    if body_schema is not None:
        for what, body, content_type in [
            ("truncated JSON", b'{"title": ', None),
            ("deeply nested JSON", b"[" * 100_000, None),
            ("a body that is not UTF-8", b'{"title": "\xff\xfe"}', None),
            ("a body of the wrong media type", b"title=x", "text/plain"),
            ("XML", b"<visit><title>x</title></visit>", "application/xml"),
            ("a JSON list", b"[]", None),
            ("a JSON number", b"12", None),
            ("NUL characters", _filled(body_schema, NUL, 1), None),
            ("huge numbers", _filled(body_schema, "x", HUGE), None),
            ("wrongly typed values", _filled(body_schema, 7, "7"), None),
        ]:
            _assert_refused(
                _send(operation, token=token, body=body, content_type=content_type), what
            )
        for body in (_filled(body_schema, LONG, 1), _filled(body_schema, UNICODE, 1)):
            _send(operation, token=token, body=body)
    elif "multipart/form-data" in operation.definition.raw.get("requestBody", {}).get(
        "content", {}
    ):
        for what, body, content_type in [
            ("multipart without a file", b"", "multipart/form-data; boundary=x"),
            ("multipart without a boundary", b"--x--", "multipart/form-data"),
            ("JSON instead of a file", b'{"file": "x"}', None),
        ]:
            _assert_refused(
                _send(operation, token=token, body=body, content_type=content_type), what
            )

    parameters = [
        p["name"] for p in operation.definition.raw.get("parameters", []) if p["in"] == "query"
    ]
    for value in (NUL, str(HUGE), "", LONG[:5000], UNICODE, "-1", "1.5", "null"):
        _send(operation, token=token, query={name: value for name in parameters})

    for header in (
        {"If-Match": 'W/"v1"'},
        {"If-Match": '"v99999999999999999999999"'},
        {"If-Match": "\x00"},
        {"Accept": "text/html"},
        {"Accept-Language": "xx-YY;q=garbage"},
        {"Content-Type": "application/json; charset=no-such-charset"},
    ):
        _send(operation, token=token, headers=header)

    for authorization in ("Bearer", "Bearer a b", "Bearer ÿÿ", "Basic eDp4", "Bearer " + LONG):
        _send(operation, token=None, headers={"Authorization": authorization})
