"""The searchable unit filter of the overview, the calendar, the recommendations
list and the coverage of units (web.forms_units, web.views.units): the pages list no units; the suggestions
offer only the units the person may choose; the chosen unit travels as its id,
or, without JavaScript, as text the form resolves among the same units."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checklists.models import Unit
from checklists.services.conclusions import conclusion_issue
from tests import factories
from web.forms_dashboard import OverviewFilterForm

SUGGESTIONS = reverse("web:unit_suggestions")
OVERVIEW = reverse("web:overview")
CALENDAR = reverse("web:calendar")
RECOMMENDATIONS = reverse("web:recommendations")
COVERAGE = reverse("web:coverage")


def suggested(client: Client, of: str = "visits", text: str = "") -> set[str]:
    """The codes of the units suggested (each option carries its unit's id)."""
    response = client.get(SUGGESTIONS, {"of": of, "unit_search": text})
    assert response.status_code == 200
    page = response.content.decode()
    ids = [int(pk) for pk in re.findall(r'data-unit="(\d+)"', page)]
    codes = set(Unit.objects.filter(pk__in=ids).values_list("code", flat=True))
    assert len(codes) == len(ids)
    return codes


def visit_codes(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r"KT-[A-Z]+", response.content.decode())) & {"KT-HL", "KT-VP"}


# Who may narrow the visits to which unit: a coordinator's subtree, the host units
# of the visits one sees, one's own unit.
SEES = {
    "coordinator_all": {"central", "quang-ninh", "ha-long", "vinh-phuc"},
    "coordinator_in": {"quang-ninh", "ha-long"},
    "coordinator_out": {"vinh-phuc"},
    "lead": {"ha-long"},
    "deputy": {"ha-long"},
    "member": {"ha-long"},
    "secretary": {"ha-long"},
    "host_in": {"ha-long"},
    "host_out": {"vinh-phuc"},
}


@pytest.mark.parametrize("role", sorted(SEES))
def test_the_suggestions_are_the_units_each_person_may_choose(role, world, web_client_for):
    client = web_client_for(role)
    assert suggested(client) == SEES[role]
    # Searching never reaches further: every unit's code typed in turn.
    for code in ("central", "quang-ninh", "ha-long", "vinh-phuc"):
        assert suggested(client, text=code) == {code} & SEES[role]
    assert suggested(client, text="Vĩnh Phúc") == {"vinh-phuc"} & SEES[role]


def test_a_province_coordinator_never_sees_another_provinces_units(world, web_client_for):
    factories.UnitFactory(parent=world.province_out, code="phuc-yen", name="Phúc Yên")
    client = web_client_for("coordinator_in")
    assert suggested(client, text="phuc") == set()
    page = client.get(SUGGESTIONS, {"of": "visits", "unit_search": "Phúc"}).content.decode()
    assert "No unit you may see matches." in page
    assert suggested(web_client_for("coordinator_out"), text="phuc") == {"vinh-phuc", "phuc-yen"}
    assert suggested(web_client_for("coordinator_all"), text="Phúc Yên") == {"phuc-yen"}


def test_someone_with_no_visit_and_no_unit_is_offered_nothing(world):
    client = Client()
    client.force_login(factories.UserFactory(username="stranger"))
    assert suggested(client) == set()
    assert suggested(client, text="ha") == set()
    assert suggested(client, of="recommendations") == set()


def test_the_suggestions_need_a_signed_in_person_and_a_known_list(world, web_client_for):
    response = Client().get(SUGGESTIONS, {"of": "visits", "unit_search": "ha"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    client = web_client_for("coordinator_all")
    assert client.get(SUGGESTIONS, {"of": "people"}).status_code == 400
    assert client.get(SUGGESTIONS, {"unit_search": "ha"}).status_code == 400
    assert client.get(SUGGESTIONS, {"of": "visits", "unit_search": "x" * 500}).status_code == 400


def test_a_chosen_units_label_suggests_that_unit_again(world, web_client_for):
    client = web_client_for("coordinator_in")
    assert suggested(client, text="Hạ Long (ha-long)") == {"ha-long"}


def test_the_suggestions_are_at_most_twenty_and_say_there_are_more(world, web_client_for):
    for n in range(25):
        factories.UnitFactory(parent=world.province_in, code=f"xa-{n}", name=f"Xã số {n}")
    client = web_client_for("coordinator_in")
    page = client.get(SUGGESTIONS, {"of": "visits", "unit_search": "xã"}).content.decode()
    assert page.count("<option") == 20
    assert "The first 20 suggestions; type more to narrow them." in page


# --- the recommendations list's addressees -------------------------------------------------


def test_the_recommendations_filter_offers_the_addressees_one_sees(outcome, web_client_for):
    # An addressee below the host (in the draft), seen through the visit by its
    # team and coordinator; not by the host's contact until it is issued.
    assert suggested(web_client_for("lead"), of="recommendations") == {"ha-long", "chi-bo-1"}
    assert "chi-bo-1" in suggested(web_client_for("coordinator_in"), of="recommendations")
    assert suggested(web_client_for("host_in"), of="recommendations") == {"ha-long"}
    # The addressee's contact: their own unit only, whether issued or not.
    addressee = web_client_for("addressee")
    assert suggested(addressee, of="recommendations") == {"chi-bo-1"}
    assert suggested(addressee, of="recommendations", text="ha-long") == set()
    conclusion_issue(actor=outcome.people.lead, visit=outcome.visit)
    assert suggested(web_client_for("host_in"), of="recommendations") == {"ha-long", "chi-bo-1"}
    assert suggested(addressee, of="recommendations") == {"chi-bo-1"}
    assert suggested(web_client_for("host_out"), of="recommendations") == {"vinh-phuc"}
    assert suggested(web_client_for("coordinator_out"), of="recommendations", text="chi") == set()


def test_the_recommendations_list_filters_by_the_chosen_unit(outcome, web_client_for):
    conclusion_issue(actor=outcome.people.lead, visit=outcome.visit)
    client = web_client_for("lead")

    def texts(**query) -> set[str]:
        page = client.get(RECOMMENDATIONS, query).content.decode()
        return {t for t in ("Kiện toàn tổ chức", "Bổ sung hồ sơ") if t in page}

    assert texts() == {"Kiện toàn tổ chức", "Bổ sung hồ sơ"}
    assert texts(unit=outcome.grassroots.pk) == {"Bổ sung hồ sơ"}
    # Without JavaScript: the text alone, a code or a suggestion's label.
    assert texts(unit_search="chi-bo-1") == {"Bổ sung hồ sơ"}
    assert texts(unit_search="Chi bộ 1 (chi-bo-1)") == {"Bổ sung hồ sơ"}
    page = client.get(RECOMMENDATIONS, {"unit": outcome.grassroots.pk}).content.decode()
    assert 'value="Chi bộ 1 (chi-bo-1)"' in page
    assert f'id="unit-choice" name="unit" value="{outcome.grassroots.pk}"' in page
    # A unit out of sight is not a choice, exactly as one that does not exist.
    out = web_client_for("coordinator_out").get(RECOMMENDATIONS, {"unit": outcome.grassroots.pk})
    assert "Select a valid choice" in out.content.decode()


# --- the overview ---------------------------------------------------------------------------


def test_the_overview_filters_by_the_chosen_units_id(world, web_client_for):
    client = web_client_for("coordinator_all")
    assert visit_codes(client.get(OVERVIEW)) == {"KT-HL", "KT-VP"}
    assert visit_codes(client.get(OVERVIEW, {"unit": world.province_in.pk})) == {"KT-HL"}
    page = client.get(OVERVIEW, {"unit": world.province_out.pk}).content.decode()
    assert visit_codes(client.get(OVERVIEW, {"unit": world.province_out.pk})) == {"KT-VP"}
    # The choice is shown by name, and travels on as its id.
    assert 'value="Vĩnh Phúc (vinh-phuc)"' in page
    assert f'id="unit-choice" name="unit" value="{world.province_out.pk}"' in page
    # The id wins over the text (the script keeps them together).
    query = {"unit": world.province_in.pk, "unit_search": "vinh-phuc"}
    assert visit_codes(client.get(OVERVIEW, query)) == {"KT-HL"}


def test_without_javascript_the_overview_finds_the_unit_the_text_names(world, web_client_for):
    client = web_client_for("coordinator_all")
    assert visit_codes(client.get(OVERVIEW, {"unit_search": "ha-long"})) == {"KT-HL"}
    assert visit_codes(client.get(OVERVIEW, {"unit_search": "Vĩnh Phúc"})) == {"KT-VP"}
    assert visit_codes(client.get(OVERVIEW, {"unit_search": "Quảng Ninh (quang-ninh)"})) == {
        "KT-HL"
    }
    # Two units whose names hold the text: a question, not a guess; the rest applies.
    factories.UnitFactory(parent=world.province_out, code="ha-long-2", name="Hạ Long mới")
    response = client.get(OVERVIEW, {"unit_search": "Hạ Long"})
    assert visit_codes(response) == {"KT-HL", "KT-VP"}
    assert "Several units match “Hạ Long”" in response.content.decode()
    response = client.get(OVERVIEW, {"unit_search": "Nowhere"})
    assert "There is no such unit." in response.content.decode()
    assert visit_codes(response) == {"KT-HL", "KT-VP"}


def test_the_overview_never_resolves_text_to_a_unit_out_of_sight(world, web_client_for):
    client = web_client_for("coordinator_in")
    response = client.get(OVERVIEW, {"unit_search": "vinh-phuc"})
    page = response.content.decode()
    assert "There is no such unit." in page and "Some filters were not understood" in page
    assert visit_codes(response) == {"KT-HL"}
    assert "Vĩnh Phúc" not in page.replace('value="vinh-phuc"', "")


# --- the pages list no units, and their queries do not follow the units' number --------------


def page_cost(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.content)


@pytest.mark.parametrize("url", [OVERVIEW, CALENDAR, RECOMMENDATIONS])
def test_the_pages_cost_the_same_whatever_the_number_of_units(url, outcome, web_client_for):
    conclusion_issue(actor=outcome.people.lead, visit=outcome.visit)
    client = web_client_for("coordinator_all")
    client.get(url)
    queries, size = page_cost(client, url)
    for n in range(60):
        factories.UnitFactory(parent=outcome.province_in, code=f"them-{n}", name=f"Đơn vị thêm {n}")
    more_queries, more_size = page_cost(client, url)
    assert more_queries == queries
    page = client.get(url).content.decode()
    assert "Đơn vị thêm" not in page and "them-1" not in page
    # The same page: no unit listed, so the size does not grow (a CSRF token may differ).
    assert abs(more_size - size) < 100


# The coverage may be narrowed to a unit of one's coordinator scope with units under
# it (a leaf's coverage is its own line); nobody else has a coverage to narrow.
COVERAGE_SEES = {
    "coordinator_all": {"central", "quang-ninh"},
    "coordinator_in": {"quang-ninh"},
    "coordinator_out": set(),
    "lead": set(),
    "host_in": set(),
}


@pytest.mark.parametrize("role", sorted(COVERAGE_SEES))
def test_the_coverage_filter_offers_units_of_ones_scope_with_units_under_them(
    role, world, web_client_for
):
    client = web_client_for(role)
    assert suggested(client, of="coverage") == COVERAGE_SEES[role]
    for code in ("central", "quang-ninh", "ha-long", "vinh-phuc"):
        assert suggested(client, of="coverage", text=code) == {code} & COVERAGE_SEES[role]


def test_the_coverage_filter_takes_the_chosen_id_or_without_javascript_the_text(
    world, web_client_for
):
    client = web_client_for("coordinator_all")
    by_id = client.get(COVERAGE, {"within": world.province_in.pk}).content.decode()
    by_text = client.get(COVERAGE, {"unit_search": "quang-ninh"}).content.decode()
    shown = re.compile(r'<li id="unit-(\d+)">')
    assert (
        shown.findall(by_id)
        == shown.findall(by_text)
        == [
            str(world.province_in.pk),
            str(world.district.pk),
        ]
    )
    # The units to choose from are never listed in the page (the tree lists the
    # coverage itself).
    assert "<option" not in by_id
    assert 'value="Quảng Ninh (quang-ninh)"' in by_text
    assert 'name="within"' in by_text and f'value="{world.province_in.pk}"' in by_text
    # The text of a unit out of the scope reads as no unit at all.
    refused = web_client_for("coordinator_in").get(COVERAGE, {"unit_search": "vinh-phuc"})
    assert "There is no such unit." in refused.content.decode()


@pytest.mark.parametrize(
    ("role", "codes"),
    [
        ("coordinator_all", {"central", "quang-ninh", "ha-long", "vinh-phuc"}),
        ("coordinator_in", {"quang-ninh", "ha-long"}),
        ("coordinator_out", {"vinh-phuc"}),
        ("lead", set()),
        ("host_in", set()),
    ],
)
def test_the_template_issuer_field_offers_the_units_of_ones_scope(
    role, codes, world, web_client_for
):
    assert suggested(web_client_for(role), of="issuers") == codes
    # The page lists no unit: the field offers them as the person types.
    page = web_client_for("coordinator_all").get("/documents/templates/").content.decode()
    assert "vinh-phuc" not in page and 'name="issuer"' in page


@pytest.mark.django_db
def test_the_choosable_units_are_built_only_when_a_unit_is_asked_for(world):
    built: list[int] = []

    def units():
        built.append(1)
        return Unit.objects.filter(pk=world.district.pk)

    for data in (None, {}, {"status": "planned"}, {"unit": "", "unit_search": ""}):
        OverviewFilterForm(data, units=units).is_valid()
    assert built == []

    chosen = OverviewFilterForm({"unit": str(world.district.pk)}, units=units)
    assert chosen.is_valid() and chosen.chosen_unit == world.district
    named = OverviewFilterForm({"unit_search": world.district.code}, units=units)
    assert named.is_valid() and named.chosen_unit == world.district
    # Built for those two, and still only the units given: any other is refused.
    other = OverviewFilterForm({"unit": str(world.province_out.pk)}, units=units)
    assert not other.is_valid() and "unit" in other.errors
    assert built == [1, 1, 1]
