"""SPEC §4's conclusion and recommendation rows, through the API, for every role.

Roles: a coordinator in scope and one out of it, the team (lead, deputy,
secretary, member), the host unit's contact (`host_in`), the contact of a unit
below the host that KN-02 is addressed to (`addressee`), a stranger (`host_out`,
another unit's contact) and nobody signed in. What a person cannot see answers
404; what they see but may not do, 403; a frozen conclusion, 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from checklists.models import Recommendation, Visit
from checklists.services.conclusions import conclusion_issue

ROLES = (
    "coordinator_in",
    "coordinator_out",
    "lead",
    "deputy",
    "secretary",
    "member",
    "host_in",
    "addressee",
    "host_out",
    "anonymous",
)


def table(**answers: int) -> dict[str, int]:
    """Every role's answer: 404 unless said, 401 for nobody signed in."""
    return {role: 404 for role in ROLES} | {"anonymous": 401} | answers


TEAM = ("lead", "deputy", "secretary", "member")
SEE_DRAFT = table(coordinator_in=200, **dict.fromkeys(TEAM, 200))
EDIT_DRAFT = table(coordinator_in=200, lead=200, deputy=200, secretary=200, member=403)
ISSUE = table(coordinator_in=200, lead=200, deputy=200, secretary=403, member=403)
SEE_ISSUED = table(coordinator_in=200, host_in=200, addressee=200, **dict.fromkeys(TEAM, 200))
# The issued conclusion is frozen: 409 for those who may edit a draft.
EDIT_ISSUED = table(
    coordinator_in=409, lead=409, deputy=409, secretary=409, member=403, host_in=403, addressee=403
)
WITHDRAW = table(coordinator_in=200, host_in=403, addressee=403, **dict.fromkeys(TEAM, 403))
MANAGE = table(
    coordinator_in=200, lead=200, deputy=200, secretary=403, member=403, host_in=403, addressee=403
)
# KN-01 is addressed to the host unit: the grassroots addressee does not see it.
MANAGE_HOSTS = {**MANAGE, "addressee": 404}
SEE_HOSTS = {**SEE_ISSUED, "addressee": 404}
# Closing a concluded visit whose recommendations are open: only a coordinator may
# carry them over; the rest of the team and the host see the visit (403).
CARRY_OVER = table(coordinator_in=200, host_in=403, **dict.fromkeys(TEAM, 403))


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    expected: dict[str, int]
    body: Any = None
    issued: bool = False


CASES = [
    Case("see the draft", "get", "visits/{visit}/conclusion/", SEE_DRAFT),
    Case("edit the draft", "put", "visits/{visit}/conclusion/", EDIT_DRAFT, {"summary": "Sửa"}),
    Case("issue it", "post", "visits/{visit}/conclusion/issue/", ISSUE, {}),
    Case(
        "withdraw a draft",
        "post",
        "visits/{visit}/conclusion/withdraw/",
        {**WITHDRAW, "coordinator_in": 409, "host_in": 404, "addressee": 404},
        {"reason": "Sai"},
    ),
    Case("see a draft recommendation", "get", "recommendations/{kn02}/", SEE_DRAFT),
    Case("see the issued one", "get", "visits/{visit}/conclusion/", SEE_ISSUED, issued=True),
    Case(
        "edit the issued one",
        "put",
        "visits/{visit}/conclusion/",
        EDIT_ISSUED,
        {"summary": "Sửa"},
        issued=True,
    ),
    Case(
        "issue it again",
        "post",
        "visits/{visit}/conclusion/issue/",
        {
            **ISSUE,
            "coordinator_in": 409,
            "lead": 409,
            "deputy": 409,
            "host_in": 403,
            "addressee": 403,
        },
        {},
        issued=True,
    ),
    Case(
        "withdraw the issued one",
        "post",
        "visits/{visit}/conclusion/withdraw/",
        WITHDRAW,
        {"reason": "Sai số liệu"},
        issued=True,
    ),
    Case("see its own recommendation", "get", "recommendations/{kn02}/", SEE_ISSUED, issued=True),
    Case("see the host's recommendation", "get", "recommendations/{kn01}/", SEE_HOSTS, issued=True),
    Case(
        "extend a recommendation",
        "patch",
        "recommendations/{kn02}/",
        MANAGE,
        {"due_date": "2031-12-31", "extended_by": "Quyết định số 12-QĐ/TU"},
        issued=True,
    ),
    Case(
        "cancel a recommendation",
        "patch",
        "recommendations/{kn01}/",
        MANAGE_HOSTS,
        {"state": "cancelled", "cancel_reason": "Không còn phù hợp"},
        issued=True,
    ),
    Case(
        "close, carrying the open ones over",
        "post",
        "visits/{visit}/close/",
        CARRY_OVER,
        {"carry_over": True},
        issued=True,
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_it_answers_each_role_as_spec_section_4_says(outcome, case, role):
    if case.issued:
        conclusion_issue(actor=None, visit=outcome.visit)
    first, second = Recommendation.objects.order_by("position")
    client = APIClient()
    user = getattr(outcome.people, role)
    if user is not None:
        client.force_authenticate(user)
    url = "/api/v1/" + case.path.format(visit=outcome.visit.pk, kn01=first.pk, kn02=second.pk)
    response = getattr(client, case.method)(url, case.body, format="json")
    assert response.status_code == case.expected[role], response.content
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("role", "codes"),
    [
        ("coordinator_in", ["KN-01", "KN-02"]),
        ("lead", ["KN-01", "KN-02"]),
        ("member", ["KN-01", "KN-02"]),
        ("host_in", ["KN-01", "KN-02"]),
        ("addressee", ["KN-02"]),
        ("coordinator_out", []),
        ("host_out", []),
    ],
)
def test_it_shows_each_role_the_recommendations_it_may_see(outcome, role, codes):
    conclusion_issue(actor=None, visit=outcome.visit)
    client = APIClient()
    client.force_authenticate(getattr(outcome.people, role))
    listed = client.get("/api/v1/recommendations/").json()["results"]
    assert [r["code"] for r in listed] == codes
    conclusion = client.get(f"/api/v1/visits/{outcome.visit.pk}/conclusion/")
    if codes:
        assert [r["code"] for r in conclusion.json()["recommendations"]] == codes
    else:
        assert conclusion.status_code == 404


def test_it_hides_draft_recommendations_from_the_host_and_the_addressee(outcome):
    for role in ("host_in", "addressee"):
        client = APIClient()
        client.force_authenticate(getattr(outcome.people, role))
        assert client.get("/api/v1/recommendations/").json()["results"] == []


def test_it_lets_the_visit_be_closed_only_after_the_conclusion(outcome):
    client = APIClient()
    client.force_authenticate(outcome.people.coordinator_in)
    response = client.post(f"/api/v1/visits/{outcome.visit.pk}/close/", {}, format="json")
    assert response.status_code == 409
    assert Visit.objects.get(pk=outcome.visit.pk).status == "reporting"
