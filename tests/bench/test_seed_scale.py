"""bench.seed_scale, the bulk seed behind `make bench` (SPEC §10), at a small scale.

It writes with COPY on PostgreSQL and bulk_create on SQLite, bypassing the model
code that normally keeps the data consistent, so these tests check that consistency
directly: unit paths, sessions, teams, the outline-derived dates and the sequences.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from bench.seed_loader import SeedError
from bench.seed_options import build_parser
from bench.seeder import seed_scale
from checklists.models import (
    ChecklistItem,
    Milestone,
    Outline,
    TeamMembership,
    Unit,
    User,
    Visit,
    WorkingSession,
)
from checklists.services.checklist import checklist_item_add
from checklists.services.visits import work_calendar

pytestmark = pytest.mark.django_db

VISITS, MILESTONES, ITEMS, BIG_VISITS, BIG_ITEMS = 20, 4, 6, 2, 10
PROVINCES, DISTRICTS, GRASSROOTS = 3, 6, 12
SMALL = (
    "--visits", VISITS, "--milestones-per-visit", MILESTONES, "--items-per-visit", ITEMS,
    "--big-visits", BIG_VISITS, "--big-visit-items", BIG_ITEMS, "--provinces", PROVINCES,
    "--districts", DISTRICTS, "--grassroots", GRASSROOTS, "--coordinators-per-province", 1,
    "--inspectors-per-province", 6, "--report-pages", 4,
)  # fmt: skip


def seed(*extra: str) -> str:
    """`python -m bench.seed_scale <SMALL> <extra>`, in process; its progress lines."""
    out = io.StringIO()
    options = vars(build_parser().parse_args([*map(str, SMALL), *extra]))
    seed_scale(write=lambda line: out.write(line + "\n"), **options)
    return out.getvalue()


def test_it_seeds_exactly_the_requested_volume():
    seed()

    assert Visit.objects.count() == VISITS
    assert Milestone.objects.count() == VISITS * MILESTONES
    assert ChecklistItem.objects.count() == VISITS * ITEMS + BIG_VISITS * (BIG_ITEMS - ITEMS)
    items_per_visit = Counter(
        ChecklistItem.objects.values("visit").annotate(n=Count("id")).values_list("n", flat=True)
    )
    assert items_per_visit == {ITEMS: VISITS - BIG_VISITS, BIG_ITEMS: BIG_VISITS}
    assert set(
        Milestone.objects.values("visit").annotate(n=Count("id")).values_list("n", flat=True)
    ) == {MILESTONES}
    assert Counter(Unit.objects.values_list("kind", flat=True)) == {
        Unit.Kind.CENTRAL: 1,
        Unit.Kind.PROVINCE: PROVINCES,
        Unit.Kind.DISTRICT: DISTRICTS,
        Unit.Kind.GRASSROOTS: GRASSROOTS,
    }
    # One coordinator of everything, one per province, and a contact per host-level unit.
    assert User.objects.filter(is_coordinator=True, coordinator_scope=None).count() == 1
    assert (
        User.objects.filter(is_coordinator=True, coordinator_scope__kind="province").count()
        == PROVINCES
    )
    assert User.objects.exclude(host_unit=None).count() == PROVINCES + DISTRICTS + GRASSROOTS


def test_it_keeps_unit_paths_consistent_with_parents():
    seed()

    units = list(Unit.objects.select_related("parent"))
    for unit in units:
        parent_path = unit.parent.path if unit.parent else "/"
        assert unit.path == f"{parent_path}{unit.pk}/", unit
    assert [u.kind for u in units if u.parent is None] == [Unit.Kind.CENTRAL]


def test_it_gives_every_visit_a_session_and_a_team_with_exactly_one_lead():
    seed()

    visits = Visit.objects.annotate(
        sessions_count=Count("sessions", distinct=True),
        team_size=Count("team", distinct=True),
        leads=Count("team", filter=Q(team__role=TeamMembership.Role.LEAD), distinct=True),
    )
    for visit in visits:
        assert 1 <= visit.sessions_count <= 3, visit
        assert 3 <= visit.team_size <= 6, visit
        assert visit.leads == 1, visit
        assert visit.status in Visit.Status.values


def test_it_attaches_milestones_and_items_to_existing_visits_and_their_teams():
    seed()

    visit_ids = set(Visit.objects.values_list("pk", flat=True))
    assert set(Milestone.objects.values_list("visit_id", flat=True)) == visit_ids
    assert set(ChecklistItem.objects.values_list("visit_id", flat=True)) == visit_ids
    outsiders = ChecklistItem.objects.exclude(assignee=None).exclude(
        Exists(TeamMembership.objects.filter(visit=OuterRef("visit"), user=OuterRef("assignee")))
    )
    assert not outsiders.exists()


def test_it_concludes_exactly_the_concluded_and_closed_visits_with_their_recommendations():
    """One issued conclusion per concluded or closed visit, numbers unique per
    register; a recommendation is reported exactly while one report waits for its
    verdict, done with an accepted one; pending ones are planned for reminders, the
    others not; addressees are the host unit or a unit under it."""
    from checklists.models import Conclusion, ImplementationReport, Recommendation

    seed()

    finished = Visit.objects.filter(status__in=[Visit.Status.CONCLUDED, Visit.Status.CLOSED])
    issued = Conclusion.objects.filter(state=Conclusion.State.ISSUED)
    assert sorted(issued.values_list("visit_id", flat=True)) == sorted(
        finished.values_list("pk", flat=True)
    )
    assert issued.exists()
    rows = Recommendation.objects.select_related("visit__host_unit", "addressee")
    assert rows.count() >= 3 * issued.count()
    waiting = set(
        ImplementationReport.objects.filter(verdict="pending").values_list(
            "recommendation_id", flat=True
        )
    )
    accepted = set(
        ImplementationReport.objects.filter(verdict="accepted").values_list(
            "recommendation_id", flat=True
        )
    )
    for r in rows:
        assert (r.pk in waiting) == (r.state == Recommendation.State.REPORTED), r
        assert (r.pk in accepted) == (r.state == Recommendation.State.DONE), r
        assert (r.next_reminder_at is not None) == (r.state in Recommendation.PENDING_STATES)
        assert r.addressee.path.startswith(r.visit.host_unit.path), r
        assert r.due_date is not None and r.due_date >= r.conclusion.issued_on


def test_it_dates_milestones_from_the_first_session_like_visit_create():
    seed()

    calendar = work_calendar()
    first_start = dict(
        WorkingSession.objects.values("visit_id")
        .annotate(first=Min("start"))
        .values_list("visit_id", "first")
    )
    followers = Milestone.objects.filter(dated_by_hand=False)
    assert followers.exists()
    for milestone in followers:
        day_zero = timezone.localdate(first_start[milestone.visit_id])
        expected = calendar.due_date(
            day_zero,
            offset_days=milestone.offset_days,
            offset_working_days=milestone.offset_working_days,
        )
        assert milestone.due_date == expected, milestone


def test_it_leaves_the_database_ready_for_ordinary_writes():
    """GIVEN a seeded database (rows inserted with explicit ids)
    WHEN the application inserts rows the ordinary way
    THEN their ids do not collide with the seeded ones."""
    seed()
    district = Unit.objects.filter(kind=Unit.Kind.DISTRICT).first()
    visit = Visit.objects.first()

    unit = Unit.objects.create(
        name="Chi bộ mới", code="chi-bo-moi", kind=Unit.Kind.GRASSROOTS, parent=district
    )
    User.objects.create_user(username="newcomer")
    item = checklist_item_add(actor=None, visit=visit, text="Nội dung mới")

    assert unit.path == f"{district.path}{unit.pk}/"
    assert item.pk > 0


def test_it_gives_seeded_people_an_unusable_password_unless_told_otherwise():
    seed()

    assert not any(u.has_usable_password() for u in User.objects.all())


def test_it_refuses_to_run_twice_without_append():
    seed()

    with pytest.raises(SeedError, match="--append"):
        seed()
    assert Visit.objects.count() == VISITS


def test_it_adds_an_independent_second_set_with_append():
    seed()
    seed("--append", "--password", "correct horse battery staple")

    assert Visit.objects.count() == 2 * VISITS
    assert Unit.objects.filter(kind=Unit.Kind.CENTRAL).count() == 2
    assert list(Outline.objects.values_list("version", "status").order_by("version")) == [
        (1, Outline.Status.RETIRED),
        (2, Outline.Status.PUBLISHED),
    ]
    newest = User.objects.order_by("-pk")[:2]
    assert all(u.check_password("correct horse battery staple") for u in newest)


def test_it_prints_the_time_per_table():
    output = seed()

    for table in ("units", "users", "visits", "sessions", "team", "milestones", "checklist items"):
        assert f"  {table} " in output
    assert "Seeded in" in output
