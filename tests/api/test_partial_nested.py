"""A PATCH is partial all the way down in DRF: a nested session or team member
missing its required fields is refused (400 naming them), not a 500 (found by
the schemathesis run)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"team": [{"role": "lead"}]}, "team[0].user"),
        ({"sessions": [{"location": "Hạ Long"}]}, "sessions[0].start"),
    ],
)
def test_it_refuses_an_incomplete_nested_entry_in_a_patch(world, client_for, body, field):
    response = client_for("coordinator_in").patch(
        f"/api/v1/visits/{world.visit.pk}/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
