"""My deadlines, the overview of visits and the calendar page (Django test client):
what each role sees, what they never see, filters that cannot be understood,
notifications, calendar subscriptions, and query counts that stay put as the
number of visits grows."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checklists.models import CalendarFeed, Milestone, Notification, User, Visit
from checklists.services.checklist import milestone_mark_done, milestone_reschedule
from checklists.services.reports import report_revision_upload
from checklists.services.visits import SessionInput, visit_create, visit_transition
from tests import factories
from tests.checklists.test_reports_uploads import docx_bytes
from tests.conftest import ROLES, local

pytestmark = pytest.mark.django_db

DEADLINES = reverse("web:deadlines")
OVERVIEW = reverse("web:overview")
CALENDAR = reverse("web:calendar")

# What each role finds on "my deadlines" and the overview: the world's visit
# (KT-HL, hosted in coordinator_in's province) and the other one (KT-VP, in
# coordinator_out's).
SEES = {
    "coordinator_all": {"KT-HL", "KT-VP"},
    "coordinator_in": {"KT-HL"},
    "coordinator_out": {"KT-VP"},
    "lead": {"KT-HL"},
    "deputy": {"KT-HL"},
    "member": {"KT-HL"},
    "secretary": {"KT-HL"},
    "host_in": {"KT-HL"},
    "host_out": {"KT-VP"},
}


def _text(response) -> str:
    return response.content.decode()


def _visit(world, *, start: dt.datetime, title: str, code: str = "", host_unit=None) -> Visit:
    return visit_create(
        actor=world.people.coordinator_in,
        outline=world.outline,
        host_unit=host_unit or world.district,
        title=title,
        code=code,
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=2))],
    )


def _future(days: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return local(day.year, day.month, day.day, 8)


def _codes_listed(response) -> set[str]:
    return set(re.findall(r"KT-[A-Z0-9-]+", _text(response))) & {"KT-HL", "KT-VP"}


# --- every page, every role ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_answers_each_page_for_each_role(web_client_for, role):
    client = web_client_for(role)
    for url in (DEADLINES, OVERVIEW, CALENDAR):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("web:login"))
        else:
            assert response.status_code == 200


def test_it_sends_home_to_my_deadlines(web_client_for):
    response = web_client_for("member").get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"] == DEADLINES


@pytest.mark.parametrize("role", sorted(SEES))
def test_it_shows_each_role_exactly_the_deadlines_of_the_visits_they_see(web_client_for, role):
    response = web_client_for(role).get(DEADLINES, {"horizon": "all"})
    assert _codes_listed(response) == SEES[role]


@pytest.mark.parametrize("role", sorted(SEES))
def test_it_shows_each_role_exactly_the_visits_they_see_in_the_overview(web_client_for, role):
    response = web_client_for(role).get(OVERVIEW)
    assert _codes_listed(response) == SEES[role]


def test_it_shows_a_person_with_no_role_nothing_and_says_so(world, client):
    client.force_login(factories.UserFactory())
    deadlines = _text(client.get(DEADLINES))
    assert "No open deadlines" in deadlines
    assert "KT-" not in deadlines
    overview = _text(client.get(OVERVIEW))
    assert "There are no visits for you to see yet." in overview
    assert "KT-" not in overview


# --- my deadlines --------------------------------------------------------------------


def test_it_lists_deadlines_grouped_by_visit_with_state_days_and_side(world, web_client_for):
    page = _text(web_client_for("member").get(DEADLINES))
    assert reverse("web:visit", kwargs={"visit_id": world.visit.pk}) in page
    assert "Kiểm tra tại Hạ Long" in page and "Hạ Long" in page
    draft = world.visit.milestones.get(key="draft_report_due")
    days = (timezone.localdate() - draft.due_date).days
    assert "Đơn vị nộp dự thảo báo cáo" in page
    assert f"{days} days overdue" in page
    assert 'class="badge badge-overdue">Overdue' in page
    assert "Host unit</td>" in page and "Inspection team</td>" in page
    assert "5 overdue" in page


def test_it_puts_the_most_overdue_visit_first_and_upcoming_ones_after(world, web_client_for):
    upcoming = _visit(world, start=_future(10), title="Upcoming visit", code="KT-UP")
    page = _text(web_client_for("coordinator_in").get(DEADLINES))
    assert page.index("KT-HL") < page.index("KT-UP")
    assert "Upcoming" in page
    comments = upcoming.milestones.get(key="team_comments_due")
    assert "in 17 days" in page and comments.due_date == timezone.localdate() + dt.timedelta(17)


def test_it_leaves_out_met_deadlines_and_cancelled_or_closed_visits(world, web_client_for):
    client = web_client_for("coordinator_all")
    draft = world.visit.milestones.get(key="draft_report_due")
    milestone_mark_done(actor=None, milestone=draft, done=True)
    page = _text(client.get(DEADLINES))
    assert "Đơn vị nộp dự thảo báo cáo" in page  # KT-VP's is still open
    assert page.count("Đơn vị nộp dự thảo báo cáo") == 1
    visit_transition(actor=None, visit=world.other_visit, to="cancelled")
    page = _text(client.get(DEADLINES))
    assert "KT-VP" not in page
    assert "Đơn vị nộp dự thảo báo cáo" not in page


def test_it_looks_ahead_as_far_as_asked(world, web_client_for):
    _visit(world, start=_future(60), title="Far away", code="KT-FAR")
    client = web_client_for("coordinator_in")
    assert "KT-FAR" not in _text(client.get(DEADLINES))  # 30 days by default
    assert "KT-FAR" not in _text(client.get(DEADLINES, {"horizon": "7"}))
    assert "KT-FAR" in _text(client.get(DEADLINES, {"horizon": "90"}))
    assert "KT-FAR" in _text(client.get(DEADLINES, {"horizon": "all"}))


def test_it_shows_the_horizon_in_use_as_chosen(web_client_for):
    client = web_client_for("member")
    assert '<option value="30" selected>' in _text(client.get(DEADLINES))
    assert '<option value="30" selected>' in _text(client.get(DEADLINES, {"page": "1"}))
    assert '<option value="90" selected>' in _text(client.get(DEADLINES, {"horizon": "90"}))


def test_it_lets_a_coordinator_narrow_to_their_own_visits(world, web_client_for):
    client = web_client_for("coordinator_in")
    assert "KT-HL" in _text(client.get(DEADLINES))
    page = _text(client.get(DEADLINES, {"scope": "mine"}))
    assert "KT-HL" not in page
    assert "No open deadlines" in page


def test_it_offers_the_scope_choice_to_coordinators_only(web_client_for):
    assert 'name="scope"' in _text(web_client_for("coordinator_in").get(DEADLINES))
    assert 'name="scope"' not in _text(web_client_for("member").get(DEADLINES))
    # Asking anyway changes nothing for them: they only ever see their own visits.
    page = _text(web_client_for("host_out").get(DEADLINES, {"scope": "all", "horizon": "all"}))
    assert _codes_listed_text(page) == {"KT-VP"}


def _codes_listed_text(page: str) -> set[str]:
    return set(re.findall(r"KT-[A-Z0-9-]+", page)) & {"KT-HL", "KT-VP"}


@pytest.mark.parametrize(
    "query",
    [
        {"horizon": "banana"},
        {"scope": "everything"},
        {"horizon": "", "scope": ""},
        {"page": "abc"},
        {"page": "999999999999999999999"},
        {"horizon": "x" * 5000},
    ],
)
def test_it_never_fails_on_filter_values_it_does_not_understand(web_client_for, query):
    response = web_client_for("coordinator_in").get(DEADLINES, query)
    assert response.status_code == 200
    assert "KT-HL" in _text(response)
    if query.get("horizon") not in (None, "") or query.get("scope"):
        assert "Some filters were not understood" in _text(response)


# --- notifications ---------------------------------------------------------------------


def _notification(world, user, title: str = "Deadline tomorrow") -> Notification:
    return Notification.objects.create(
        recipient=user, title=title, body="Body", visit=world.visit, milestone=None
    )


def test_it_shows_unread_notifications_and_marks_one_read(world, web_client_for):
    member = world.people.member
    note = _notification(world, member, "Draft report due in 3 days")
    _notification(world, world.people.lead, "The lead's own notice")
    client = web_client_for("member")
    page = _text(client.get(DEADLINES))
    assert "Draft report due in 3 days" in page
    assert "1 unread" in page
    assert "The lead&#x27;s own notice" not in page and "own notice" not in page

    url = reverse("web:notification_read", kwargs={"notification_id": note.pk})
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in _text(response)
    assert "No unread notifications." in _text(response)
    note.refresh_from_db()
    first_read = note.read_at
    assert first_read is not None
    # Again (a second click, or without JavaScript): the first time is kept.
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == DEADLINES
    note.refresh_from_db()
    assert note.read_at == first_read


@pytest.mark.parametrize("role", ["lead", "coordinator_all", "host_in"])
def test_it_refuses_to_mark_someone_elses_notification(world, web_client_for, role):
    note = _notification(world, world.people.member)
    url = reverse("web:notification_read", kwargs={"notification_id": note.pk})
    assert web_client_for(role).post(url).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_it_marks_notifications_read_only_by_post(world, web_client_for):
    note = _notification(world, world.people.member)
    url = reverse("web:notification_read", kwargs={"notification_id": note.pk})
    assert web_client_for("member").get(url).status_code == 405
    assert web_client_for("anonymous").post(url).status_code == 302
    missing = "/notifications/9999999999999999999999/read/"
    assert web_client_for("member").post(missing).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


# --- the overview -------------------------------------------------------------------


def test_it_shows_code_title_unit_session_status_progress_and_counts(world, web_client_for):
    page = _text(web_client_for("coordinator_in").get(OVERVIEW))
    assert "KT-HL" in page and "Kiểm tra tại Hạ Long" in page and "Hạ Long" in page
    assert 'datetime="2024-05-13T08:00:00+07:00"' in page
    assert "Planned" in page
    assert '<progress value="0" max="17"' in page
    assert "5 overdue" in page
    assert 'data-label="Deadlines"' in page  # the table stacks on phones


def test_it_filters_to_visits_with_overdue_deadlines(world, web_client_for):
    _visit(world, start=_future(60), title="Not yet due", code="KT-LATER")
    client = web_client_for("coordinator_in")
    assert "KT-LATER" in _text(client.get(OVERVIEW))
    page = _text(client.get(OVERVIEW, {"overdue": "on"}))
    assert "KT-LATER" not in page
    assert "KT-HL" in page


def test_it_filters_by_status_unit_search_and_session_dates(world, web_client_for):
    other = _visit(world, start=_future(40), title="Thanh tra Cẩm Phả", code="KT-CP")
    visit_transition(actor=None, visit=other, to="announced")
    client = web_client_for("coordinator_all")

    def codes(**query):
        found = re.findall(r"KT-[A-Z]+", _text(client.get(OVERVIEW, query)))
        return set(found) & {"KT-HL", "KT-VP", "KT-CP"}

    assert codes() == {"KT-HL", "KT-VP", "KT-CP"}
    assert codes(status="announced") == {"KT-CP"}
    assert codes(status="running") == {"KT-HL", "KT-VP", "KT-CP"}
    assert codes(unit=world.province_in.pk) == {"KT-HL", "KT-CP"}
    assert codes(unit=world.province_out.pk) == {"KT-VP"}
    assert codes(q="cẩm phả") == {"KT-CP"} or codes(q="Cẩm Phả") == {"KT-CP"}
    assert codes(q="kt-vp") == {"KT-VP"}
    assert codes(session_from="2024-05-01", session_to="2024-05-31") == {"KT-HL", "KT-VP"}
    assert codes(session_from=(timezone.localdate() + dt.timedelta(days=1)).isoformat()) == {
        "KT-CP"
    }


def test_it_never_filters_by_a_unit_out_of_scope(world, web_client_for):
    client = web_client_for("coordinator_in")
    response = client.get(OVERVIEW, {"unit": world.province_out.pk})
    page = _text(response)
    assert response.status_code == 200
    assert "KT-VP" not in page
    assert "Some filters were not understood" in page
    assert f'<option value="{world.province_out.pk}"' not in page
    # The same answer as for a unit that does not exist: nothing given away.
    missing = _text(client.get(OVERVIEW, {"unit": 987654}))
    assert "Select a valid choice" in page and "Select a valid choice" in missing


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"unit": "abc"},
        {"unit": "99999999999999999999999"},
        {"session_from": "2024-13-45"},
        {"session_from": "2024-06-01", "session_to": "2024-05-01"},
        {"sort": "password"},
        {"overdue": "maybe"},
        {"q": "x" * 5000},
        {"page": "-1"},
        {"q": "\x00"},
    ],
)
def test_it_never_fails_on_overview_filters_it_does_not_understand(web_client_for, query):
    response = web_client_for("coordinator_in").get(OVERVIEW, query)
    assert response.status_code == 200
    page = _text(response)
    assert "KT-VP" not in page


def test_it_names_the_filters_it_left_out(web_client_for):
    page = _text(
        web_client_for("coordinator_in").get(
            OVERVIEW, {"status": "bogus", "session_from": "2024-05-01", "session_to": "2024-04-01"}
        )
    )
    assert "Some filters were not understood and were left out: Status, Sessions until." in page
    assert 'aria-invalid="true"' in page
    assert "The end of the period must not be before its start." in page
    assert "KT-HL" in page


def test_it_answers_htmx_with_the_results_only(web_client_for):
    response = web_client_for("coordinator_in").get(
        OVERVIEW, {"q": "KT"}, headers={"HX-Request": "true"}
    )
    page = _text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert 'id="overview-results"' in page and "KT-HL" in page


def test_it_shows_no_overdue_count_for_a_cancelled_visit(world, web_client_for):
    visit_transition(actor=None, visit=world.visit, to="cancelled")
    page = _text(web_client_for("coordinator_in").get(OVERVIEW))
    assert "Cancelled" in page
    assert "overdue</span>" not in page
    assert "KT-HL" not in _text(web_client_for("coordinator_in").get(OVERVIEW, {"overdue": "on"}))


def test_it_sorts_by_the_columns(world, web_client_for):
    _visit(world, start=_future(5), title="A later one", code="KT-AA")
    client = web_client_for("coordinator_in")
    by_code = _text(client.get(OVERVIEW, {"sort": "code"}))
    assert by_code.index("KT-AA") < by_code.index("KT-HL")
    latest_first = _text(client.get(OVERVIEW, {"sort": "-first_session"}))
    assert latest_first.index("KT-AA") < latest_first.index("KT-HL")
    most_overdue = _text(client.get(OVERVIEW))
    assert most_overdue.index("KT-HL") < most_overdue.index("KT-AA")


def test_it_paginates_the_overview(world, web_client_for, monkeypatch):
    monkeypatch.setattr("web.views.dashboard.OVERVIEW_VISITS_PER_PAGE", 2)
    for n in range(3):
        _visit(world, start=_future(5 + n), title=f"Paged {n}", code=f"KT-P{n}")
    client = web_client_for("coordinator_in")
    first = _text(client.get(OVERVIEW, {"sort": "code"}))
    assert "Page 1 of 2" in first and "KT-HL" in first and "KT-P0" in first
    assert "KT-P1" not in first
    second = _text(client.get(OVERVIEW, {"sort": "code", "page": "2"}))
    assert "KT-P1" in second and "KT-P2" in second and "KT-HL" not in second
    assert 'href="?sort=code&amp;page=1"' in second


@pytest.mark.parametrize("query", [{}, {"overdue": "on"}])
def test_it_pages_the_overview_with_its_total_in_one_statement(
    world, web_client_for, monkeypatch, query
):
    # The default order (and the overdue filter) read every visit's deadline
    # counts: the page and its total come from one statement (web.pagination).
    monkeypatch.setattr("web.views.dashboard.OVERVIEW_VISITS_PER_PAGE", 2)
    for n in range(3):
        visit = _visit(world, start=_future(5 + n), title=f"Paged {n}", code=f"KT-P{n}")
        milestone_reschedule(
            actor=None,
            milestone=visit.milestones.get(key="decision_announced"),
            due_date=timezone.localdate() - dt.timedelta(days=1 + n),
        )
    client = web_client_for("coordinator_in")
    pages = [_text(client.get(OVERVIEW, {**query, "page": str(n)})) for n in (1, 2)]
    assert all(f"Page {n} of 2" in page for n, page in zip((1, 2), pages, strict=True))
    codes = {"KT-P0", "KT-P1", "KT-P2"}
    on_pages = [{code for code in codes if code in page} for page in pages]
    assert on_pages[0] | on_pages[1] == codes and not on_pages[0] & on_pages[1]
    # A page past the end shows the last one, as Django's Paginator.get_page does.
    for beyond in ("9", "0", "-1", "9" * 30):
        past_end = _text(client.get(OVERVIEW, {**query, "page": beyond}))
        assert "Page 2 of 2" in past_end
        assert {code for code in codes if code in past_end} == on_pages[1]
    # Not a number: the first page, as Paginator.get_page does.
    assert {
        code for code in codes if code in _text(client.get(OVERVIEW, {**query, "page": "x"}))
    } == on_pages[0]
    # Progress is counted for the page's visits: 0 % for these, as on the API.
    assert "0%" in pages[0] or "0 %" in pages[0]


def test_the_overview_with_nothing_to_show_is_its_first_empty_page(world, web_client_for):
    # No visit matches: a page asked for past them is the empty first one.
    query = {"q": "no visit is called this", "page": "3"}
    response = web_client_for("coordinator_out").get(OVERVIEW, query)
    assert response.status_code == 200
    assert "KT-" not in _text(response).split('id="overview-results"')[1]


# --- query counts ---------------------------------------------------------------------


def _queries(client, url, query=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query or {}).status_code == 200
    return len(captured)


def _grow(world, count: int) -> None:
    # More unread notifications than the page shows, so their count is asked for.
    for n in range(6):
        Notification.objects.create(recipient=world.people.coordinator_in, title=f"U{n}")
    for n in range(count):
        visit = _visit(world, start=_future(3 + n), title=f"Grown {n}", code=f"KT-G{n}")
        milestone_reschedule(
            actor=None,
            milestone=visit.milestones.get(key="decision_announced"),
            due_date=timezone.localdate() - dt.timedelta(days=2),
        )
        Notification.objects.create(recipient=world.people.coordinator_in, title=f"N{n}")


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (DEADLINES, {}),
        (DEADLINES, {"horizon": "all", "scope": "all"}),
        (OVERVIEW, {}),
        (OVERVIEW, {"overdue": "on", "status": "running", "q": "KT", "session_from": "2024-01-01"}),
        (CALENDAR, {}),
    ],
)
def test_it_keeps_the_number_of_queries_constant_as_visits_grow(
    world, web_client_for, django_assert_max_num_queries, url, query
):
    client = web_client_for("coordinator_in")
    _grow(world, 2)
    small = _queries(client, url, query)
    _grow_more = 12
    for n in range(_grow_more):
        visit = _visit(world, start=_future(20 + n), title=f"More {n}", code=f"KT-M{n}")
        milestone_reschedule(
            actor=None,
            milestone=visit.milestones.get(key="draft_report_due"),
            due_date=timezone.localdate() - dt.timedelta(days=1),
        )
        Notification.objects.create(recipient=world.people.coordinator_in, title=f"M{n}")
    assert _queries(client, url, query) == small
    with django_assert_max_num_queries(10):
        client.get(url, query)


# --- the calendar page ----------------------------------------------------------------


def test_it_gives_the_calendar_what_it_needs_to_fetch_events(world, web_client_for):
    page = _text(web_client_for("coordinator_in").get(CALENDAR))
    assert f'data-events-url="{reverse("api:calendar")}"' in page
    assert 'data-visit-url="/visits/987654321/"' in page
    assert 'data-locale="en"' in page
    assert "vendor/fullcalendar/index.global.min.js" in page
    assert "web/calendar.js" in page
    # The unit filter offers units as the person types (tests/web/test_unit_filter.py).
    assert 'id="unit-search"' in page and 'id="unit-choice" name="host_unit"' in page
    assert "web/unit-field.js" in page
    assert f'data-unit="{world.district.pk}"' not in page
    assert 'id="calendar-mine"' in page
    assert 'id="calendar-mine"' not in _text(web_client_for("member").get(CALENDAR))


def test_it_serves_the_calendar_events_to_the_signed_in_page(world, web_client_for):
    """The page's script reads the API with the session: the same client works."""
    client = web_client_for("coordinator_in")
    response = client.get(reverse("api:calendar"), {"start": "2024-05-01", "end": "2024-06-01"})
    assert response.status_code == 200
    visits = {event["visit"] for event in response.json()}
    assert visits == {world.visit.pk}
    overdue = [e for e in response.json() if e["state"] == Milestone.State.OVERDUE]
    assert overdue


# --- calendar subscriptions ---------------------------------------------------------------


def test_it_creates_a_subscription_and_shows_its_address_once(world, web_client_for, client):
    owner = web_client_for("member")
    response = owner.post(reverse("web:calendar_feed_create"), {"name": "Outlook"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = _text(response)
    https = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    assert "webcal://" in page
    feed = CalendarFeed.objects.get(owner=world.people.member)
    assert feed.name == "Outlook"
    token = https.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in _text(owner.get(CALENDAR))  # never again
    assert "Outlook" in _text(owner.get(CALENDAR))
    ics = client.get(f"/calendar/{token}.ics")
    assert ics.status_code == 200
    assert b"BEGIN:VCALENDAR" in ics.content


def test_it_answers_htmx_with_the_subscriptions_fragment(world, web_client_for):
    response = web_client_for("member").post(
        reverse("web:calendar_feed_create"), {"name": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in _text(response)
    assert 'id="calendar-feeds"' in _text(response)


def test_it_refuses_a_subscription_name_too_long_and_saves_nothing(world, web_client_for):
    response = web_client_for("member").post(
        reverse("web:calendar_feed_create"), {"name": "x" * 300}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in _text(response)
    assert not CalendarFeed.objects.exists()


def test_it_revokes_a_subscription_and_its_address_stops_working(world, web_client_for, client):
    owner = web_client_for("member")
    page = _text(owner.post(reverse("web:calendar_feed_create"), {"name": "Phone"}))
    token = re.search(r'value="http[^"]+/calendar/([^"/]+)\.ics"', page).group(1)
    feed = CalendarFeed.objects.get()
    url = reverse("web:calendar_feed_revoke", kwargs={"feed_id": feed.pk})
    response = owner.post(url)
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert owner.post(url).status_code == 404  # already revoked


@pytest.mark.parametrize("role", ["lead", "coordinator_all", "host_in", "anonymous"])
def test_it_refuses_to_revoke_someone_elses_subscription(world, web_client_for, role):
    web_client_for("member").post(reverse("web:calendar_feed_create"), {"name": "Mine"})
    feed = CalendarFeed.objects.get()
    response = web_client_for(role).post(
        reverse("web:calendar_feed_revoke", kwargs={"feed_id": feed.pk})
    )
    assert response.status_code == (302 if role == "anonymous" else 404)
    feed.refresh_from_db()
    assert feed.revoked_at is None
    assert "Mine" not in _text(web_client_for(role).get(CALENDAR))


def test_it_creates_subscriptions_only_by_post(web_client_for):
    assert web_client_for("member").get(reverse("web:calendar_feed_create")).status_code == 405
    assert not CalendarFeed.objects.exists()


# --- the draft-report loop's notifications and the e-mail preference ------------------------


def test_it_links_a_loop_notification_to_its_revision_page(world, web_client_for):
    revision = report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(docx_bytes("I. Đặc điểm tình hình", "Nội dung.")),
        filename="bao-cao.docx",
    )
    page = _text(web_client_for("member").get(DEADLINES))
    link = reverse("web:revision", kwargs={"visit_id": world.visit.pk, "revision_id": revision.pk})
    assert f'href="{link}"' in page
    assert "Draft report uploaded: revision 1 (KT-HL)" in page


def test_it_lets_a_person_choose_a_daily_digest(world, web_client_for):
    client = web_client_for("host_in")
    page = _text(client.get(DEADLINES))
    assert "E-mails about draft reports" in page
    assert re.search(r'value="each"[^>]*checked', page), "each, by default"
    url = reverse("web:notify_preference")

    response = client.post(url, {"notify": "digest"})

    assert response.status_code == 302
    assert response["Location"] == DEADLINES + "#notify-preference"
    assert User.objects.get(pk=world.people.host_in.pk).notify == "digest"
    page = _text(client.get(DEADLINES))
    assert "now come in one digest a day" in page
    assert client.post(url, {"notify": "weekly"}).status_code == 302
    assert User.objects.get(pk=world.people.host_in.pk).notify == "digest", "unchanged"
    assert client.get(url).status_code == 405
    assert web_client_for("anonymous").post(url, {"notify": "digest"}).status_code == 302
