"""The reminder log of a recommendation (`recommendations/{id}/reminders/`, SPEC
§5), tried by every role of SPEC §4: whoever sees the recommendation reads it
(host and addressee contacts only their own rows), everyone else 404."""

from __future__ import annotations

import pytest

from checklists.models import Recommendation, Reminder
from tests.checklists.test_reminders_dispatch import run_pass
from tests.checklists.test_reminders_recommendations import issue
from tests.conftest import ROLES, local

pytestmark = pytest.mark.django_db

FIELDS = {
    "id", "milestone", "recommendation", "recipient", "offset", "state", "sent_at",
    "attempts", "last_error",
}  # fmt: skip


@pytest.fixture
def reminded(world):
    issued = issue(world)
    world.people.addressee = issued.addressee
    # The due day of KN-01 (3 July) and the day after KN-02's and KN-03's (10 July).
    run_pass(local(2024, 7, 3, 9))
    run_pass(local(2024, 7, 11, 9))
    return issued


SEES_ALL = {"coordinator_all", "coordinator_in", "lead", "deputy", "member", "secretary"}


@pytest.mark.parametrize("role", [*ROLES, "addressee"])
def test_each_role_reads_what_it_may_of_the_log(reminded, client_for, role):
    url = f"/api/v1/recommendations/{reminded.kn2.pk}/reminders/"
    answer = client_for(role).get(url)
    everything = set(
        Reminder.objects.filter(recommendation=reminded.kn2).values_list("pk", flat=True)
    )
    if role == "anonymous":
        assert answer.status_code == 401
        return
    if role in {"coordinator_out", "host_out"}:
        assert answer.status_code == 404
        assert answer["Content-Type"].startswith("application/problem+json")
        return
    assert answer.status_code == 200, answer.content
    rows = answer.json()["results"]
    if role in SEES_ALL:
        assert {row["id"] for row in rows} == everything
        assert len(everything) >= 3  # the addressee's, two coordinators' escalation
        assert set(rows[0]) == FIELDS
        assert {row["recommendation"] for row in rows} == {reminded.kn2.pk}
        assert {row["milestone"] for row in rows} == {None}
    else:
        # A contact (host or addressee) reads their own reminders only.
        user = getattr(reminded.people, role)
        assert {row["recipient"] for row in rows} <= {user.pk}
        if role == "addressee":
            assert {row["offset"] for row in rows} >= {"-1d", "+1d"}


def test_the_addressee_of_another_recommendation_does_not_find_it(reminded, client_for):
    # KN-03 is addressed to a unit without contacts; the addressee of KN-02 is
    # below the host, so does not see the visit's other recommendations.
    answer = client_for("addressee").get(f"/api/v1/recommendations/{reminded.kn3.pk}/reminders/")
    assert answer.status_code == 404


def test_a_draft_is_hidden_from_host_contacts(world, client_for):
    from tests.conclusion_world import draft, rec, to_reporting

    to_reporting(world.visit)
    draft(world.visit, rec(world.district))
    recommendation = Recommendation.objects.get()
    url = f"/api/v1/recommendations/{recommendation.pk}/reminders/"
    assert client_for("host_in").get(url).status_code == 404
    assert client_for("lead").get(url).json()["results"] == []
    assert client_for("lead").get("/api/v1/recommendations/99999999/reminders/").status_code == 404


def test_it_filters_the_log_by_state(reminded, client_for):
    url = f"/api/v1/recommendations/{reminded.kn2.pk}/reminders/"
    assert client_for("lead").get(url + "?state=sent").json()["results"] == []
    assert client_for("lead").get(url + "?state=bogus").status_code == 400


def test_notifications_carry_the_recommendation(reminded, client_for):
    answer = client_for("addressee").get("/api/v1/notifications/?kind=reminder")
    rows = answer.json()["results"]
    assert rows and {row["recommendation"] for row in rows} == {reminded.kn2.pk}
    assert {row["url"] for row in rows} == {f"/recommendations/{reminded.kn2.pk}/"}
    assert {row["milestone"] for row in rows} == {None}
    filtered = client_for("addressee").get(
        f"/api/v1/notifications/?recommendation={reminded.kn2.pk}"
    )
    # The reminders, and the notice of the issued conclusion that led the
    # addressee (below the host) to this recommendation.
    kinds = [row["kind"] for row in filtered.json()["results"]]
    assert sorted(kinds) == sorted(["reminder"] * len(rows) + ["conclusion_issued"])
