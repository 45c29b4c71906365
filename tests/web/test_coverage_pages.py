"""The coverage page (/coverage/, SPEC §13): coordinators only (404 for anyone
else, SPEC §4), their subtree as nested lists with colour and words, in
Vietnamese and English, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conclusion_world import issue, rec
from tests.conftest import ROLES
from tests.coverage_world import grow_inspected_units

pytestmark = pytest.mark.django_db

URL = "/coverage/"
STATUS = {role: 404 for role in ROLES} | {"coordinator_in": 200, "coordinator_out": 200}


def units_shown(html: str) -> list[str]:
    return re.findall(r'<li id="unit-(\d+)">', html)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_it_is_for_coordinators_only(world, web_client_for, role):
    response = web_client_for(role).get(URL)
    assert response.status_code == STATUS[role]


def test_it_sends_anonymous_visitors_to_sign_in(world, web_client_for):
    response = web_client_for("anonymous").get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(("role", "shown"), [("coordinator_in", True), ("lead", False)])
def test_the_navigation_links_it_for_coordinators(world, web_client_for, role, shown):
    html = web_client_for(role).get("/deadlines/").content.decode()
    assert (f'href="{URL}"' in html) is shown


def test_it_shows_the_subtree_as_nested_lists_with_words_and_colour(world, web_client_for):
    html = web_client_for("coordinator_in").get(URL).content.decode()
    assert units_shown(html) == [str(world.province_in.pk), str(world.district.pk)]
    assert str(world.province_out.pk) not in units_shown(html)
    # The district is nested in the province's list, which is opened.
    nested = re.search(
        rf'id="unit-{world.province_in.pk}">.*?<details open>.*?id="unit-{world.district.pk}"',
        html,
        re.S,
    )
    assert nested
    assert "1 unit under Quảng Ninh" in html
    assert "coverage-never" in html and "Never inspected" in html
    visit_link = f'href="/visits/{world.visit.pk}/"'
    assert visit_link in html
    assert "inspected on 13 May 2024" in html
    # Inspected more than two years ago: due again after 2 years, not after 5.
    assert (
        "coverage-due" in web_client_for("coordinator_in").get(URL, {"years": 2}).content.decode()
    )
    html = web_client_for("coordinator_in").get(URL, {"years": 5}).content.decode()
    assert "coverage-inspected" in html and "Due again</span>" not in html


def test_it_speaks_vietnamese(world, web_client_for):
    world.people.coordinator_in.language = "vi"
    world.people.coordinator_in.save(update_fields=["language"])
    html = web_client_for("coordinator_in").get(URL).content.decode()
    assert '<html lang="vi"' in html
    assert "13/05/2024" in html
    assert "Xóa bộ lọc" in html
    # The page's own wording is translated by the merger (locale/ is not edited here).


def test_it_narrows_to_a_unit_of_the_scope(world, web_client_for):
    client = web_client_for("coordinator_in")
    html = client.get(URL, {"within": world.province_in.pk}).content.decode()
    assert units_shown(html) == [str(world.province_in.pk), str(world.district.pk)]
    # A unit outside the scope is no choice: the filter is left out and named.
    html = client.get(URL, {"within": world.province_out.pk, "years": "0"}).content.decode()
    assert units_shown(html) == [str(world.province_in.pk), str(world.district.pk)]
    assert "Some filters were not understood" in html
    assert "Units under" in html and "Due again after (years)" in html


def test_it_counts_open_and_late_recommendations(world, web_client_for):
    issue(
        world.visit,
        rec(world.district, "Muộn", due_date=dt.date(2025, 1, 31)),
        rec(world.district, "Chưa đến hạn", due_date=dt.date(2099, 6, 30)),
        issued_on=dt.date(2024, 6, 3),
    )
    html = web_client_for("coordinator_in").get(URL).content.decode()
    assert "2 open recommendations" in html and "1 late" in html


@pytest.mark.parametrize("role", ["coordinator_in", "coordinator_all"])
def test_it_runs_a_constant_number_of_queries(world, web_client_for, role):
    client = web_client_for(role)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"within": world.province_in.pk, "years": 3})
        assert response.status_code == 200
        return len(queries), len(units_shown(response.content.decode()))

    before, shown = count()
    grow_inspected_units(world, 5)
    after, shown_after = count()
    assert shown_after == shown + 5
    assert after == before


def test_a_subtree_too_big_to_show_stops_at_a_level_and_links_below(
    world, web_client_for, monkeypatch
):
    # Central, its two provinces (3 units) fit; the district below does not.
    monkeypatch.setattr("web.views.coverage.MAX_UNITS_SHOWN", 3)
    html = web_client_for("coordinator_all").get(URL, {"years": 4}).content.decode()
    assert units_shown(html) == [
        str(world.central.pk),
        str(world.province_in.pk),
        str(world.province_out.pk),
    ]
    assert "Showing the top 2 levels: 3 of 4 units." in html
    assert f'href="?years=4&amp;within={world.province_in.pk}"' in html
    assert "Show the units under Quảng Ninh" in html
    assert "Show the units under Vĩnh Phúc" not in html
    followed = web_client_for("coordinator_all").get(
        URL, {"years": 4, "within": world.province_in.pk}
    )
    assert units_shown(followed.content.decode()) == [
        str(world.province_in.pk),
        str(world.district.pk),
    ]


def test_it_escapes_what_people_typed(world, web_client_for):
    world.district.name = 'Hạ Long <script>alert("x")</script> & co'
    world.district.save()
    html = web_client_for("coordinator_in").get(URL).content.decode()
    assert "<script>alert" not in html
    assert "Hạ Long &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html
