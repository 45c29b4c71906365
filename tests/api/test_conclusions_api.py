"""The conclusion and recommendation endpoints (SPEC §5, §11): shapes, ETag and 412,
bad input named by field, issue, withdraw and re-issue, filters, `overdue`,
extension and cancellation, closing, a unit's open recommendations."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from checklists.models import AuditEvent, Conclusion, Recommendation, Visit
from checklists.services.conclusions import conclusion_issue
from tests.conftest import local


@pytest.fixture
def api_as(outcome):
    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(getattr(outcome.people, role))
        return client

    return make


def _url(outcome, tail: str = "") -> str:
    return f"/api/v1/visits/{outcome.visit.pk}/conclusion/{tail}"


def test_it_answers_the_conclusion_with_its_fields_and_etag(outcome, api_as):
    response = api_as("lead").get(_url(outcome))
    assert response.status_code == 200
    body = response.json()
    assert response["ETag"] == f'"v{body and Conclusion.objects.get().row_version}"'
    assert set(body) >= {
        "id",
        "visit",
        "state",
        "number",
        "issued_on",
        "signer",
        "summary",
        "sections",
        "recommendations",
        "document",
    }
    assert (body["state"], body["number"], body["document"]) == ("draft", None, None)
    assert body["sections"][0] == {
        "number": "I",
        "title": "Mục I",
        "strengths": "",
        "shortcomings": "Chưa kịp thời",
    }
    first = body["recommendations"][0]
    assert set(first) >= {
        "id",
        "visit",
        "conclusion",
        "code",
        "text",
        "section",
        "kind",
        "addressee",
        "due_date",
        "offset_days",
        "offset_working_days",
        "rolled_from",
        "state",
        "overdue",
        "progress",
        "extended_by",
        "cancel_reason",
    }
    assert (first["code"], first["state"], first["offset_days"], first["overdue"]) == (
        "KN-01",
        "draft",
        30,
        False,
    )


def test_it_refuses_a_stale_put_with_412_and_changes_nothing(outcome, api_as):
    client = api_as("secretary")
    etag = client.get(_url(outcome))["ETag"]
    saved = client.put(_url(outcome), {"summary": "Bản mới"}, format="json", HTTP_IF_MATCH=etag)
    assert saved.status_code == 200 and saved["ETag"] != etag
    stale = client.put(_url(outcome), {"summary": "Ghi đè"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["ETag"] == saved["ETag"]
    assert Conclusion.objects.get().summary == "Bản mới"


def test_it_creates_edits_and_removes_recommendations_through_the_put(outcome, api_as):
    client = api_as("lead")
    body = client.get(_url(outcome)).json()
    kept = body["recommendations"][1]
    response = client.put(
        _url(outcome),
        {
            "recommendations": [
                {"id": kept["id"], "text": "Sửa lại", "addressee": kept["addressee"],
                 "due_date": "2030-06-30", "kind": "regulation"},
                {"text": "Mới", "addressee": outcome.district.pk, "offset_working_days": 15,
                 "section": "II"},
            ]
        },
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    rows = response.json()["recommendations"]
    assert [(r["code"], r["text"], r["kind"]) for r in rows] == [
        ("KN-01", "Sửa lại", "regulation"),
        ("KN-02", "Mới", "remedy"),
    ]
    assert rows[0]["id"] == kept["id"] and rows[1]["section"] == "II"
    assert Recommendation.objects.count() == 2


@pytest.mark.parametrize(
    ("recommendation", "field"),
    [
        ({"text": "X", "addressee": None, "offset_days": 10}, "recommendations[0].addressee"),
        ({"text": "X", "addressee": "{out}", "offset_days": 10}, "recommendations[0].addressee"),
        ({"text": "X", "addressee": "{district}"}, "recommendations[0].due_date"),
        ({"text": "X", "addressee": "{district}", "offset_days": -1}, "recommendations[0].offset_days"),
        ({"text": "X", "addressee": "{district}", "offset_days": 3, "kind": "x"}, "recommendations[0].kind"),
    ],
)  # fmt: skip
def test_it_names_the_field_of_a_bad_recommendation(outcome, api_as, recommendation, field):
    units = {"{out}": outcome.province_out.pk, "{district}": outcome.district.pk}
    recommendation = {k: units.get(v, v) for k, v in recommendation.items()}
    response = api_as("lead").put(
        _url(outcome), {"summary": "Y", "recommendations": [recommendation]}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Conclusion.objects.get().summary == "Kết luận chung"
    assert Recommendation.objects.count() == 2


def test_it_issues_withdraws_and_reissues_through_the_api(outcome, api_as):
    coordinator = api_as("coordinator_in")
    assert coordinator.post(f"/api/v1/visits/{outcome.visit.pk}/conclude/").status_code == 409
    issued = api_as("deputy").post(
        _url(outcome, "issue/"),
        {"issued_on": "2024-07-01", "signer": outcome.people.lead.pk},
        format="json",
    )
    assert issued.status_code == 200, issued.json()
    body = issued.json()
    assert (body["state"], body["number"], body["issued_on"], body["signer"]) == (
        "issued",
        1,
        "2024-07-01",
        outcome.people.lead.pk,
    )
    assert [r["state"] for r in body["recommendations"]] == ["open", "open"]
    assert body["recommendations"][0]["due_date"] == "2024-07-31"
    visit = coordinator.get(f"/api/v1/visits/{outcome.visit.pk}/").json()
    assert visit["status"] == "concluded"
    assert coordinator.post(f"/api/v1/visits/{outcome.visit.pk}/conclude/").status_code == 200

    withdrawn = coordinator.post(_url(outcome, "withdraw/"), {"reason": "Sai"}, format="json")
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["state"], withdrawn.json()["number"]) == ("draft", None)
    assert Visit.objects.get(pk=outcome.visit.pk).status == "reporting"
    again = api_as("lead").post(_url(outcome, "issue/"), {"issued_on": "2024-07-02"}, format="json")
    assert again.status_code == 200 and again.json()["number"] == 2


def test_it_refuses_issuing_a_visit_that_is_not_reporting(world, client_for):
    client = client_for("lead")
    response = client.post(f"/api/v1/visits/{world.visit.pk}/conclusion/issue/", {}, format="json")
    assert response.status_code == 409
    assert not Conclusion.objects.exists()


def test_it_refuses_a_withdrawal_without_a_reason(outcome, api_as):
    conclusion_issue(actor=None, visit=outcome.visit)
    response = api_as("coordinator_in").post(_url(outcome, "withdraw/"), {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]


def test_it_computes_overdue_from_the_end_of_the_due_day_local_time(outcome, api_as):
    conclusion_issue(actor=None, visit=outcome.visit, issued_on=dt.date(2024, 7, 1))
    url = f"/api/v1/recommendations/{Recommendation.objects.get(code='KN-01').pk}/"
    client = api_as("lead")
    with time_machine.travel(local(2024, 7, 31, 23, 59), tick=False):  # due 31 July
        assert client.get(url).json()["overdue"] is False
    with time_machine.travel(local(2024, 8, 1, 0, 1), tick=False):
        assert client.get(url).json()["overdue"] is True
        listed = client.get("/api/v1/recommendations/?overdue=true").json()["results"]
        assert [r["code"] for r in listed] == ["KN-01"]
        listed = client.get("/api/v1/recommendations/?overdue=false").json()["results"]
        assert [r["code"] for r in listed] == ["KN-02"]


def test_it_filters_recommendations(outcome, api_as):
    conclusion_issue(actor=None, visit=outcome.visit)
    client = api_as("coordinator_in")

    def codes(query: str) -> list[str]:
        response = client.get(f"/api/v1/recommendations/?{query}")
        assert response.status_code == 200, response.json()
        return [r["code"] for r in response.json()["results"]]

    assert codes(f"addressee={outcome.grassroots.pk}") == ["KN-02"]
    assert codes(f"within={outcome.district.pk}") == ["KN-01", "KN-02"]
    assert codes(f"within={outcome.grassroots.pk}") == ["KN-02"]
    assert codes(f"visit={outcome.visit.pk}&state=open") == ["KN-01", "KN-02"]
    assert codes("state=done") == []
    assert client.get("/api/v1/recommendations/?overdue=maybe").status_code == 400


def test_it_extends_and_cancels_a_recommendation(outcome, api_as):
    conclusion_issue(actor=None, visit=outcome.visit, issued_on=dt.date(2024, 7, 1))
    first, second = Recommendation.objects.order_by("position")
    client = api_as("lead")
    extended = client.patch(
        f"/api/v1/recommendations/{first.pk}/",
        {"due_date": "2024-09-30", "extended_by": "Quyết định số 7-QĐ/TU"},
        format="json",
    )
    assert extended.status_code == 200, extended.json()
    assert (extended.json()["due_date"], extended.json()["extended_by"]) == (
        "2024-09-30",
        "Quyết định số 7-QĐ/TU",
    )
    cancelled = client.patch(
        f"/api/v1/recommendations/{second.pk}/",
        {"state": "cancelled", "cancel_reason": "Đơn vị đã giải thể"},
        format="json",
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    actions = set(AuditEvent.objects.filter(object_type="recommendation").values_list("action"))
    assert actions == {("extend",), ("cancel",)}
    # Cancelled is final; an extension must say who granted it; one thing at a time.
    url = f"/api/v1/recommendations/{second.pk}/"
    assert client.patch(url, {"state": "cancelled", "cancel_reason": "X"}).status_code == 409
    url = f"/api/v1/recommendations/{first.pk}/"
    assert client.patch(url, {"due_date": "2024-12-31"}, format="json").status_code == 400
    both = {"due_date": "2024-12-31", "extended_by": "QĐ 8", "state": "cancelled"}
    assert client.patch(url, both, format="json").status_code == 400
    assert client.patch(url, {"state": "open"}, format="json").status_code == 400


def test_it_refuses_to_close_naming_the_open_recommendations(outcome, api_as):
    conclusion_issue(actor=None, visit=outcome.visit)
    url = f"/api/v1/visits/{outcome.visit.pk}/close/"
    refused = api_as("lead").post(url, {}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert "KN-01" in body["detail"] and "KN-02" in body["detail"]
    assert [r["code"] for r in body["recommendations"]] == ["KN-01", "KN-02"]
    closed = api_as("coordinator_in").post(url, {"carry_over": True}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    listed = api_as("coordinator_in").get("/api/v1/recommendations/?state=open").json()
    assert all(r["carried_over"] for r in listed["results"])


def test_it_lists_a_units_open_recommendations_from_every_visit(outcome, api_as):
    conclusion_issue(actor=None, visit=outcome.visit)
    Recommendation.objects.filter(code="KN-01").update(state="done")
    url = f"/api/v1/units/{outcome.district.pk}/open-recommendations/"
    assert [r["code"] for r in api_as("coordinator_in").get(url).json()["results"]] == ["KN-02"]
    assert api_as("addressee").get(url).status_code == 404  # not their unit
    own = f"/api/v1/units/{outcome.grassroots.pk}/open-recommendations/"
    assert [r["code"] for r in api_as("addressee").get(own).json()["results"]] == ["KN-02"]
    assert api_as("host_out").get(url).status_code == 404


def test_it_shows_the_units_document_fields_and_the_visits_issuer(outcome, api_as):
    client = api_as("coordinator_in")
    response = client.patch(
        f"/api/v1/units/{outcome.district.pk}/",
        {"document_symbol": "HU", "document_style": "state"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["document_symbol"], response.json()["document_style"]) == (
        "HU",
        "state",
    )
    assert (
        client.patch(
            f"/api/v1/units/{outcome.district.pk}/", {"document_style": "x"}, format="json"
        ).status_code
        == 400
    )
    visit = client.get(f"/api/v1/visits/{outcome.visit.pk}/").json()
    assert visit["issuer"] == outcome.province_in.pk


def test_it_lists_recommendations_in_queries_constant_in_their_number(
    outcome, api_as, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    conclusion_issue(actor=None, visit=outcome.visit)
    client = api_as("coordinator_in")
    with CaptureQueriesContext(connection) as two:
        assert len(client.get("/api/v1/recommendations/").json()["results"]) == 2
    Recommendation.objects.bulk_create(
        Recommendation(
            conclusion=outcome.conclusion,
            visit=outcome.visit,
            code=f"KN-{n:02d}",
            position=n,
            text="Thêm",
            addressee=outcome.district,
            state="open",
        )
        for n in range(3, 9)
    )
    with django_assert_max_num_queries(len(two)):
        assert len(client.get("/api/v1/recommendations/").json()["results"]) == 8
