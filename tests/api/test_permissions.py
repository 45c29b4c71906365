"""SPEC §4, endpoint by endpoint, for every role: each gets exactly what the table says.

Objects a person may not see answer 404; objects they see but may not act on
answer 403; without a login, 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import ROLES

SEE = {
    "coordinator_in": 200,
    "coordinator_out": 404,
    "lead": 200,
    "deputy": 200,
    "member": 200,
    "secretary": 200,
    "host_in": 200,
    "host_out": 404,
    "anonymous": 401,
}
PLAN = {**SEE, "member": 403, "secretary": 403, "host_in": 403}
EDIT = {**SEE, "host_in": 403}
COORDINATE = {**SEE, "lead": 403, "deputy": 403, "member": 403, "secretary": 403, "host_in": 403}
# The audit trail does not exist for anyone but coordinators (SPEC §4): 404, not 403.
AUDIT = {**SEE, "lead": 404, "deputy": 404, "member": 404, "secretary": 404, "host_in": 404}
CREATE_BY_COORDINATOR_IN = {role: 403 for role in ROLES} | {"coordinator_in": 201, "anonymous": 401}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    expected: dict[str, int]
    body: Any = None

    def url(self, world) -> str:
        return "/api/v1/" + self.path.format(
            visit=world.visit.pk,
            item=world.item.pk,
            milestone=world.visit.milestones.get(key="team_comments_due").pk,
            outline=world.outline.pk,
            district=world.district.pk,
            province_in=world.province_in.pk,
            lead=world.people.lead.pk,
        )

    def payload(self, world):
        return self.body(world) if callable(self.body) else self.body


CASES = [
    Case("see the visit", "get", "visits/{visit}/", SEE),
    Case("see its checklist", "get", "visits/{visit}/checklist/", SEE),
    Case("see a checklist item", "get", "checklist-items/{item}/", SEE),
    Case("see its milestones", "get", "visits/{visit}/milestones/", SEE),
    Case("see a milestone", "get", "milestones/{milestone}/", SEE),
    Case("rename the visit", "patch", "visits/{visit}/", PLAN, {"title": "Đổi tên"}),
    Case(
        "move its sessions",
        "patch",
        "visits/{visit}/",
        PLAN,
        lambda w: {
            "sessions": [
                {
                    "start": "2024-05-20T08:00:00+07:00",
                    "end": "2024-05-20T11:00:00+07:00",
                    "location": "Hạ Long",
                }
            ]
        },
    ),
    Case(
        "reschedule the visit",
        "post",
        "visits/{visit}/reschedule/",
        PLAN,
        {"first_session_start": "2024-05-20T08:00:00+07:00"},
    ),
    Case("announce the visit", "post", "visits/{visit}/announce/", PLAN),
    Case("cancel the visit", "post", "visits/{visit}/cancel/", PLAN),
    Case(
        "change the team",
        "patch",
        "visits/{visit}/",
        COORDINATE,
        lambda w: {"team": [{"user": w.people.lead.pk, "role": "lead"}]},
    ),
    Case("edit a checklist item", "patch", "checklist-items/{item}/", EDIT, {"status": "done"}),
    Case(
        "add an item of the visit's own",
        "post",
        "visits/{visit}/checklist/",
        {**EDIT, **{r: 201 for r in ("coordinator_in", "lead", "deputy", "member", "secretary")}},
        {"text": "Công tác nắm tình hình"},
    ),
    Case(
        "reschedule a milestone",
        "patch",
        "milestones/{milestone}/",
        PLAN,
        {"due_date": "2024-06-01"},
    ),
    Case("mark a milestone done", "patch", "milestones/{milestone}/", EDIT, {"done": True}),
    Case(
        "add a milestone",
        "post",
        "visits/{visit}/milestones/",
        {**PLAN, **{r: 201 for r in ("coordinator_in", "lead", "deputy")}},
        {"key": "extra", "title": "Hạn bổ sung", "due_date": "2024-06-30", "responsible": "host"},
    ),
    Case("read the visit's audit trail", "get", "audit/?visit={visit}", AUDIT),
    Case(
        "create a visit",
        "post",
        "visits/",
        CREATE_BY_COORDINATOR_IN,
        lambda w: {
            "outline": w.outline.pk,
            "host_unit": w.district.pk,
            "title": "Lần kiểm tra mới",
            "sessions": [
                {"start": "2025-03-03T08:00:00+07:00", "end": "2025-03-03T11:00:00+07:00"}
            ],
        },
    ),
    Case(
        "create a unit",
        "post",
        "units/",
        CREATE_BY_COORDINATOR_IN,
        lambda w: {
            "name": "Đảng bộ phường",
            "code": "phuong-1",
            "kind": "grassroots",
            "parent": w.district.pk,
        },
    ),
    Case("rename a unit", "patch", "units/{district}/", COORDINATE, {"name": "Thành phố Hạ Long"}),
    Case(
        "create a person",
        "post",
        "users/",
        CREATE_BY_COORDINATOR_IN,
        lambda w: {
            "username": "newhost",
            "full_name": "Người mới",
            "host_unit": w.district.pk,
            "password": "a long enough passphrase 42",
        },
    ),
    Case(
        "see a team member's record",
        "get",
        "users/{lead}/",
        {**SEE, "deputy": 404, "member": 404, "secretary": 404, "host_in": 404},
    ),
    Case(
        "import an outline",
        "post",
        "outlines/import/",
        {role: 403 for role in ROLES}
        | {"coordinator_in": 201, "coordinator_out": 201, "anonymous": 401},
        None,
    ),
]


OUTLINE_FILE = """code: NEW
version: 1
title: "Đề cương mới"
sections:
  - number: "I"
    title: "Mục I"
    items:
      - number: "1"
        text: "Nội dung"
        answer: text
""".encode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_it_gives_each_role_exactly_what_spec_4_says(world, client_for, case, role):
    client = client_for(role)
    url = case.url(world)
    if case.path == "outlines/import/":
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = client.post(
            url, {"file": SimpleUploadedFile("new.yaml", OUTLINE_FILE)}, format="multipart"
        )
    else:
        response = getattr(client, case.method)(url, case.payload(world), format="json")
    assert response.status_code == case.expected[role], (role, case.name, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["coordinator_in", "lead", "member", "host_in"])
def test_it_hides_internal_notes_from_host_contacts_only(world, client_for, role):
    client = client_for(role)
    single = client.get(f"/api/v1/checklist-items/{world.item.pk}/").json()
    listed = client.get(f"/api/v1/visits/{world.visit.pk}/checklist/").json()["results"][0]
    across = client.get("/api/v1/checklist-items/", {"visit": world.visit.pk}).json()["results"][0]
    for representation in (single, listed, across):
        if role == "host_in":
            assert "internal_note" not in representation
        else:
            assert representation["internal_note"] == "Ghi chú nội bộ của Đoàn"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator_in", {"KT-HL"}),
        ("coordinator_out", {"KT-VP"}),
        ("lead", {"KT-HL"}),
        ("secretary", {"KT-HL"}),
        ("host_in", {"KT-HL"}),
        ("host_out", {"KT-VP"}),
    ],
)
def test_it_lists_only_the_visits_each_role_may_see(world, client_for, role, expected):
    results = client_for(role).get("/api/v1/visits/").json()["results"]
    assert {visit["code"] for visit in results} == expected


def test_it_lists_nothing_for_anonymous_callers(world, client_for):
    for path in (
        "visits/",
        "units/",
        "users/",
        "outlines/",
        "checklist-items/",
        "milestones/",
        "audit/",
    ):
        assert client_for("anonymous").get(f"/api/v1/{path}").status_code == 401


@pytest.mark.parametrize("role", ["lead", "member", "host_in", "host_out"])
def test_it_refuses_the_audit_trail_to_people_who_are_not_coordinators(world, client_for, role):
    assert client_for(role).get("/api/v1/audit/").status_code == 404


def test_it_shows_a_scoped_coordinator_only_the_audit_of_their_subtree(world, client_for):
    inside = (
        client_for("coordinator_in").get("/api/v1/audit/", {"page_size": 500}).json()["results"]
    )
    outside = (
        client_for("coordinator_out").get("/api/v1/audit/", {"page_size": 500}).json()["results"]
    )
    assert {e["visit_id"] for e in inside if e["visit_id"]} == {world.visit.pk}
    assert {e["visit_id"] for e in outside if e["visit_id"]} == {world.other_visit.pk}


def test_it_does_not_let_a_scoped_coordinator_grant_roles_outside_their_scope(world, client_for):
    client = client_for("coordinator_in")
    for body in (
        {"username": "x1", "host_unit": world.province_out.pk},
        {"username": "x2", "is_coordinator": True, "coordinator_scope": None},
        {"username": "x3", "is_coordinator": True, "coordinator_scope": world.central.pk},
    ):
        assert client.post("/api/v1/users/", body, format="json").status_code == 403, body
    allowed = {"username": "x4", "is_coordinator": True, "coordinator_scope": world.district.pk}
    assert client.post("/api/v1/users/", allowed, format="json").status_code == 201


def test_it_lets_people_edit_only_their_own_profile_fields(world, client_for):
    client = client_for("member")
    me = world.people.member.pk
    assert (
        client.patch(f"/api/v1/users/{me}/", {"language": "en"}, format="json").status_code == 200
    )
    assert (
        client.patch(f"/api/v1/users/{me}/", {"is_coordinator": True}, format="json").status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/users/{world.people.lead.pk}/", {"language": "en"}, format="json"
        ).status_code
        == 404
    )
