"""The calendar page's subscription form narrowed to one visit or one host unit
(SPEC §6), and the search that suggests them as the person types: only what the
person may see, never more than MAX_SUGGESTIONS at once."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from checklists.limits import MAX_SEARCH_TEXT, MAX_SUGGESTIONS
from checklists.models import CalendarFeed, TeamMembership, Visit
from checklists.selectors.feeds import (
    feed_initial_suggestions,
    feed_unit_suggestions,
    feed_visit_suggestions,
)
from checklists.services.visits import visit_reschedule
from tests import factories
from tests.checklists.test_calendar_ics import check_ics

pytestmark = pytest.mark.django_db

CREATE = "/calendar/feeds/"
SUGGEST = "/calendar/feeds/suggestions/"
CALENDAR = "/calendar/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _empty_cache():
    # The feeds remember in the cache when their content first changed.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def soon(world):
    """The world's two visits moved near today, inside a feed's window."""
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    for visit in (world.visit, world.other_visit):
        visit_reschedule(actor=None, visit=visit, first_session_start=start + dt.timedelta(days=10))
    return world


def _text(response) -> str:
    return response.content.decode()


def _create(client: Client, **data) -> tuple:
    response = client.post(CREATE, {"name": "", **data}, headers=HTMX)
    return response, _text(response)


def _ics(page: str) -> icalendar.Calendar:
    token = re.search(r'value="http[^"]+/calendar/([^"/]+)\.ics"', page).group(1)
    response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    return check_ics(response.content)


def _visits_in(calendar: icalendar.Calendar) -> set[int]:
    """The visits the feed's events link to (each event's URL is its visit page)."""
    found = set()
    for event in calendar.walk("VEVENT"):
        match = re.search(r"/visits/(\d+)/", str(event["URL"]))
        found.add(int(match.group(1)))
    return found


def _options(page: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', page)


# --- narrowing a new feed -------------------------------------------------------------


def test_it_narrows_a_feed_to_a_visit_named_by_its_code(soon, web_client_for):
    response, page = _create(web_client_for("coordinator_all"), visit="kt-hl")

    assert response.status_code == 200
    feed = CalendarFeed.objects.get()
    assert (feed.visit, feed.host_unit) == (soon.visit, None)
    assert feed.name == "Inspection visits: KT-HL"
    assert "Visit KT-HL" in page  # the list says what the feed shows
    # The coordinator sees both visits; the feed holds only the chosen one.
    assert _visits_in(_ics(page)) == {soon.visit.pk}


def test_it_narrows_a_feed_to_a_visit_named_by_its_number_or_its_title(soon, web_client_for):
    client = web_client_for("coordinator_all")
    _create(client, visit=f"#{soon.other_visit.pk}")
    _create(client, visit="tại Hạ Long")

    assert [f.visit for f in CalendarFeed.objects.order_by("id")] == [soon.other_visit, soon.visit]


def test_it_narrows_a_feed_to_a_unit(soon, web_client_for):
    response, page = _create(web_client_for("coordinator_all"), host_unit="vinh-phuc")

    assert response.status_code == 200
    feed = CalendarFeed.objects.get()
    assert (feed.visit, feed.host_unit) == (None, soon.province_out)
    assert "Unit Vĩnh Phúc" in page
    assert _visits_in(_ics(page)) == {soon.other_visit.pk}


@pytest.mark.parametrize(
    ("role", "field", "value", "message"),
    [
        ("member", "visit", "KT-VP", "There is no such visit."),  # another team's visit
        ("coordinator_in", "visit", "Vĩnh Phúc", "There is no such visit."),  # by its title
        ("host_in", "visit", "#{other}", "There is no such visit."),  # by its number
        ("host_out", "host_unit", "ha-long", "There is no such unit."),
        ("coordinator_out", "host_unit", "Hạ Long", "There is no such unit."),
    ],
)
def test_it_refuses_a_visit_or_unit_out_of_sight_like_one_that_does_not_exist(
    role, field, value, message, soon, web_client_for
):
    client = web_client_for(role)
    value = value.format(other=soon.other_visit.pk)

    hidden, hidden_page = _create(client, **{field: value})
    missing, missing_page = _create(client, **{field: "NO-SUCH-THING"})

    assert hidden.status_code == missing.status_code == 422
    assert message in hidden_page and message in missing_page
    assert 'aria-invalid="true"' in hidden_page
    assert not CalendarFeed.objects.exists()


def test_it_refuses_a_visit_out_of_sight_in_the_service_too(soon, web_client_for):
    """The form's lookup only finds what the person sees; the service, the one
    door, refuses the rest all the same (as the API does: 404)."""
    from checklists.errors import NotFound
    from checklists.services.feeds import calendar_feed_create

    with pytest.raises(NotFound):
        calendar_feed_create(owner=soon.people.member, visit_id=soon.other_visit.pk)
    with pytest.raises(NotFound):
        calendar_feed_create(owner=soon.people.host_out, host_unit_id=soon.district.pk)
    assert not CalendarFeed.objects.exists()


def test_it_refuses_a_visit_and_a_unit_at_once(soon, web_client_for):
    response, page = _create(web_client_for("coordinator_all"), visit="KT-HL", host_unit="ha-long")

    assert response.status_code == 422
    assert "Narrow a feed to a visit or to a unit, not both." in page
    assert not CalendarFeed.objects.exists()


def test_it_asks_which_one_when_a_text_names_several_visits(soon, web_client_for):
    response, page = _create(web_client_for("coordinator_all"), visit="Kiểm tra tại")

    assert response.status_code == 422
    assert "Several visits match" in page
    assert not CalendarFeed.objects.exists()


def test_it_works_without_javascript(soon, web_client_for):
    response = web_client_for("member").post(CREATE, {"name": "Lịch đoàn", "visit": "KT-HL"})

    assert response.status_code == 200
    assert "<html" in _text(response)
    assert CalendarFeed.objects.get().visit == soon.visit


def test_the_visit_page_links_to_a_form_filled_with_that_visit(world, web_client_for):
    client = web_client_for("member")
    visit_page = _text(client.get(f"/visits/{world.visit.pk}/"))
    link = f"/calendar/?visit={world.visit.pk}#calendar-feeds"
    assert link in visit_page

    page = _text(client.get(link.split("#")[0]))
    assert re.search(r'id="feed-visit"[^>]*value="KT-HL"', page)

    # A visit out of sight fills nothing in (it does not exist for them).
    other = _text(client.get(CALENDAR, {"visit": world.other_visit.pk}))
    assert re.search(r'id="feed-visit"[^>]*value=""', other)
    assert "KT-VP" not in other


# --- the search behind the fields -----------------------------------------------------------


def test_it_offers_the_persons_own_visits_and_units_before_anything_is_typed(world, web_client_for):
    page = _text(web_client_for("member").get(CALENDAR))

    visits = re.search(r'<datalist id="feed-visit-options">(.*?)</datalist>', page, re.S).group(1)
    units = re.search(r'<datalist id="feed-host_unit-options">(.*?)</datalist>', page, re.S)
    assert _options(visits) == ["KT-HL"]
    assert _options(units.group(1)) == ["ha-long"]
    assert 'list="feed-visit-options"' in page
    assert '<label for="feed-visit">Only this visit</label>' in page


@pytest.mark.parametrize(
    ("role", "visits", "units"),
    [
        ("member", ["KT-HL"], ["ha-long"]),
        ("host_in", ["KT-HL"], ["ha-long"]),
        ("host_out", ["KT-VP"], ["vinh-phuc"]),
        ("coordinator_in", ["KT-HL"], ["quang-ninh", "ha-long"]),
        ("coordinator_out", ["KT-VP"], ["vinh-phuc"]),
        ("coordinator_all", ["KT-VP", "KT-HL"], ["central", "quang-ninh", "ha-long", "vinh-phuc"]),
    ],
)
def test_it_suggests_only_what_the_person_may_see(role, visits, units, world, web_client_for):
    client = web_client_for(role)

    found_visits = client.get(SUGGEST, {"visit": "k"}, headers=HTMX)
    found_units = client.get(SUGGEST, {"host_unit": "n"}, headers=HTMX)

    assert found_visits.status_code == found_units.status_code == 200
    assert _options(_text(found_visits)) == visits
    assert _options(_text(found_units)) == units
    assert "<html" not in _text(found_visits)


def test_it_searches_titles_and_says_when_nothing_matches(world, web_client_for):
    client = web_client_for("coordinator_all")

    by_title = _text(client.get(SUGGEST, {"visit": "vĩnh phúc"}))
    nothing = _text(client.get(SUGGEST, {"visit": "zzz"}))

    assert _options(by_title) == ["KT-VP"]
    assert "Kiểm tra tại Vĩnh Phúc · Vĩnh Phúc" in by_title
    assert 'id="feed-visit-hint"' in by_title and 'hx-swap-oob="true"' in by_title
    assert _options(nothing) == []
    assert "No visit you may see matches." in nothing


def test_it_suggests_at_most_a_screenful_and_says_there_are_more(world, web_client_for):
    Visit.objects.bulk_create(
        Visit(outline=world.outline, host_unit=world.district, title=f"Đợt {n}", code=f"DOT-{n}")
        for n in range(MAX_SUGGESTIONS + 5)
    )
    factories.UnitFactory.create_batch(MAX_SUGGESTIONS + 5, parent=world.district)
    client = web_client_for("coordinator_all")

    visits = _text(client.get(SUGGEST, {"visit": "DOT-"}))
    units = _text(client.get(SUGGEST, {"host_unit": "unit-"}))

    assert len(_options(visits)) == MAX_SUGGESTIONS
    assert len(_options(units)) == MAX_SUGGESTIONS
    assert f"The first {MAX_SUGGESTIONS} suggestions; type more to narrow them." in visits
    # Newest first: the latest visits are the likeliest.
    assert _options(visits)[0] == f"DOT-{MAX_SUGGESTIONS + 4}"


def test_it_refuses_a_search_too_long_or_of_nothing(world, web_client_for):
    client = web_client_for("member")

    assert client.get(SUGGEST, {"visit": "x" * (MAX_SEARCH_TEXT + 1)}).status_code == 400
    assert client.get(SUGGEST).status_code == 400
    assert client.post(SUGGEST, {"visit": "KT"}).status_code == 405


def test_it_suggests_nothing_to_someone_signed_out(world, client):
    response = client.get(SUGGEST, {"visit": "KT"})

    assert response.status_code == 302
    assert "KT-HL" not in _text(response)


@pytest.mark.parametrize("role", ["member", "lead", "host_in", "host_out", "coordinator_in"])
def test_the_pages_first_suggestions_are_the_searches_with_nothing_typed(role, world):
    # feed_initial_suggestions derives the units from the visits it read when they
    # were all of the person's: the same lists as the two searches give.
    person = getattr(world.people, role)
    visits, units = feed_initial_suggestions(person, limit=MAX_SUGGESTIONS)
    assert visits == feed_visit_suggestions(person, "", limit=MAX_SUGGESTIONS)
    assert units == feed_unit_suggestions(person, "", limit=MAX_SUGGESTIONS)


def test_the_pages_first_unit_suggestions_of_someone_in_many_visits(world):
    # More visits than the suggestions show: the units are searched for themselves.
    lead = world.people.lead
    for n in range(MAX_SUGGESTIONS + 2):
        unit = factories.UnitFactory(parent=world.district)
        visit = Visit.objects.create(
            outline=world.outline, host_unit=unit, title=f"Đợt {n}", code=f"MANY-{n}"
        )
        TeamMembership.objects.create(visit=visit, user=lead, role=TeamMembership.Role.MEMBER)
    visits, units = feed_initial_suggestions(lead, limit=MAX_SUGGESTIONS)
    assert len(visits) == MAX_SUGGESTIONS + 1
    assert units == feed_unit_suggestions(lead, "", limit=MAX_SUGGESTIONS)
    assert len(units) == MAX_SUGGESTIONS + 1
