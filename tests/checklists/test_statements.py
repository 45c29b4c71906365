"""Reads keyed by one id, compiled once (checklists.statements): the same rows as
the querysets they are built from, for every key, and refused where the key would
not be a parameter of its own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Model, Q
from django.utils import timezone

from checklists.models import ChecklistItem, Milestone, Notification, Unit, Visit
from checklists.selectors import (
    CHECKLIST_ROWS,
    UNIT_CONTACTS,
    VISIT_MILESTONES,
    VISIT_SESSIONS,
    VISIT_TEAM,
    unit_contacts,
    visit_checklist_rows,
    visit_milestones,
    visit_sessions,
    visit_team,
)
from checklists.selectors.conclusions import CURRENT_CONCLUSION, _current_conclusion
from checklists.selectors.notifications import (
    LATEST_UNREAD,
    LATEST_UNREAD_OF,
    latest_unread,
    unread_notifications,
)
from checklists.selectors.reports import VISIT_REPORT_REVISIONS, visit_report_revisions
from checklists.services.checklist import milestone_mark_done
from checklists.services.reports import CommentInput, report_revision_review
from checklists.statements import KeyedStatement, Statement, Statements
from tests.checklists.test_reports_uploads import V1_DOCX
from tests.checklists.test_selectors_web_visit import upload
from tests.conclusion_world import issue, rec

pytestmark = pytest.mark.django_db


def loaded(obj: object) -> object:
    """An instance as everything it was loaded with (its fields, the related
    objects select_related cached, its annotations), or a row as it is."""
    if not isinstance(obj, Model):
        return obj
    fields = {
        f.attname: obj.__dict__.get(f.attname, "<deferred>") for f in obj._meta.concrete_fields
    }
    related = {
        name: loaded(value) for name, value in obj._state.fields_cache.items() if value is not None
    }
    extra = {k: v for k, v in obj.__dict__.items() if k not in fields and not k.startswith("_")}
    return (type(obj).__name__, fields, related, extra)


def test_each_statement_gives_the_rows_of_its_queryset(world):
    report = upload(world, V1_DOCX)
    report_revision_review(
        actor=world.people.lead,
        revision=report,
        decision="request_changes",
        comments=[CommentInput(text="a")],
    )
    milestone_mark_done(
        actor=world.people.coordinator_in, milestone=world.visit.milestones.first(), done=True
    )
    cases: list[tuple[KeyedStatement, object]] = [
        (VISIT_TEAM, visit_team),
        (VISIT_SESSIONS, visit_sessions),
        (VISIT_MILESTONES, visit_milestones),
        (VISIT_REPORT_REVISIONS, visit_report_revisions),
        (CHECKLIST_ROWS[True], lambda pk: visit_checklist_rows(pk, internal_notes=True)),
        (CHECKLIST_ROWS[False], lambda pk: visit_checklist_rows(pk, internal_notes=False)),
    ]
    for statement, build in cases:
        # Compiled on the first key, reused for the second: each gets its own rows.
        for visit in (world.visit, world.other_visit, world.visit):
            expected = [loaded(row) for row in build(visit.pk)]
            assert [loaded(row) for row in statement.rows(visit.pk)] == expected
    assert [loaded(u) for u in UNIT_CONTACTS.rows(world.district.pk)] == [
        loaded(u) for u in unit_contacts(world.district.pk)
    ]
    assert VISIT_REPORT_REVISIONS.rows(world.visit.pk)[0].open_comment_count == 1


def test_a_statement_runs_one_query_and_a_missing_key_has_no_rows(world, django_assert_num_queries):
    VISIT_TEAM.rows(world.visit.pk)  # compiled
    with django_assert_num_queries(1):
        assert len(VISIT_TEAM.rows(world.visit.pk)) == 4
    assert VISIT_TEAM.rows(10**9) == []
    assert VISIT_TEAM.rows(2**70) == []  # past bigint: no row, no database error
    assert VISIT_TEAM.first(10**9) is None


def test_a_key_inside_another_value_is_refused():
    # The key would end up inside the LIKE pattern, which a new key cannot replace.
    inside = KeyedStatement(lambda pk: Unit.objects.filter(path__startswith=f"/{pk}/"))
    with pytest.raises(ImproperlyConfigured):
        inside.rows(1)


def test_what_the_rows_cannot_carry_is_refused(world):
    prefetching = KeyedStatement(lambda pk: Visit.objects.filter(pk=pk).prefetch_related("team"))
    dictionaries = KeyedStatement(lambda pk: ChecklistItem.objects.filter(visit_id=pk).values())
    through_manager = KeyedStatement(
        lambda pk: Visit.objects.get(pk=world.visit.pk).milestones.filter(pk=pk)
    )
    for statement in (prefetching, dictionaries, through_manager):
        with pytest.raises(ImproperlyConfigured):
            statement.rows(world.visit.pk)


def test_the_latest_unread_notifications_come_with_their_number(world):
    lead, host = world.people.lead, world.people.host_in
    for n in range(7):
        Notification.objects.create(recipient=lead, title=f"t{n}", body="b")
    Notification.objects.create(recipient=host, title="other", body="b")
    Notification.objects.filter(recipient=lead, title="t0").update(read_at=timezone.now())
    for person, count in ((lead, 6), (host, 1), (world.people.member, 0)):
        expected = [loaded(row) for row in latest_unread(person.pk)]
        assert [loaded(row) for row in LATEST_UNREAD_OF.rows(person.pk)] == expected
        number, latest = unread_notifications(person.pk)
        assert (number, len(latest)) == (count, min(count, LATEST_UNREAD))


def test_a_statement_of_several_values_gives_the_rows_of_its_queryset(world):
    def build(path: str, now: dt.datetime, day: dt.date, visit: int):
        return (
            Visit.objects.filter(host_unit__path__startswith=path, window_end__lte=now)
            .exclude(pk=visit)
            .annotate(late=Count("milestones", filter=Q(milestones__due_date__lt=day)))
            .order_by("pk")
        )

    statement = Statement(build, path=str, now=dt.datetime, day=dt.date, visit=int)
    now = timezone.now() + dt.timedelta(days=3650)
    for path, moment, day, visit in (
        (world.province_in.path, now, now.date(), 0),
        (world.district.path, now, dt.date(2000, 1, 1), world.visit.pk),
        ("/", now - dt.timedelta(days=36500), now.date(), 0),
    ):
        expected = [loaded(v) for v in build(path, moment, day, visit)]
        assert [loaded(v) for v in statement.rows(path=path, now=moment, day=day, visit=visit)] == (
            expected
        )
    assert statement.rows(path=world.province_in.path, now=now, day=now.date(), visit=0)


def test_a_text_goes_into_like_patterns_escaped(world):
    Unit.objects.filter(pk=world.district.pk).update(name="Phòng 50% _a_")
    for lookup in ("startswith", "contains", "endswith", "icontains", "exact"):
        statement = Statement(
            lambda text, f=lookup: Unit.objects.filter(**{f"name__{f}": text}), text=str
        )
        for text in ("Phòng 50%", "50% _a", "_a_", "%", "_", "Phòng 50% _a_", "phòng"):
            expected = [u.pk for u in Unit.objects.filter(**{f"name__{lookup}": text})]
            assert [u.pk for u in statement.rows(text=text)] == expected, (lookup, text)


def test_what_is_derived_from_a_value_is_refused():
    cases = [
        # A moment turned into a day (beside the moment itself, or alone), a day
        # shifted, a pattern built by hand.
        Statement(
            lambda now: Milestone.objects.filter(
                visit__window_end__lte=now, due_date__gte=now.date()
            ),
            now=dt.datetime,
        ),
        Statement(lambda now: Visit.objects.filter(window_end__date=now.date()), now=dt.datetime),
        Statement(
            lambda day: Milestone.objects.filter(due_date__lte=day + dt.timedelta(1)), day=dt.date
        ),
        Statement(lambda text: Unit.objects.filter(path__startswith=f"/{text}/"), text=str),
        # The SQL itself depends on the value; a value the query never uses.
        Statement(lambda n: Unit.objects.all()[: -n // 1_000_000], n=int),
        Statement(lambda n: Unit.objects.all(), n=int),
    ]
    for statement in cases:
        value = {int: 1, str: "a", dt.date: dt.date(2026, 1, 1), dt.datetime: timezone.now()}
        values = {name: value[kind] for name, kind in statement.kinds.items()}
        with pytest.raises(ImproperlyConfigured):
            statement.rows(**values)


def test_values_of_the_wrong_kind_are_refused():
    statement = Statement(
        lambda day, now, n: Visit.objects.filter(
            window_end__date__gte=day, window_start__lte=now, pk__gte=n
        ),
        day=dt.date,
        now=dt.datetime,
        n=int,
    )
    day, now = dt.date(2026, 1, 1), timezone.now()
    assert statement.rows(day=day, now=now, n=0) == []
    for wrong, error in (
        ({"day": now}, TypeError),  # a moment is no day
        ({"now": dt.datetime(2026, 1, 1)}, ValueError),  # naive
        ({"n": True}, TypeError),
        ({"n": 2**70}, ValueError),
        ({"n": "1"}, TypeError),
    ):
        with pytest.raises(error):
            statement.rows(**{"day": day, "now": now, "n": 0, **wrong})
    with pytest.raises(TypeError):
        statement.rows(day=day, now=now)


def test_two_values_of_one_kind_keep_their_places(world):
    def build(start: dt.date, end: dt.date, low: int, high: int):
        return Milestone.objects.filter(
            due_date__gte=start, due_date__lte=end, pk__gte=low, pk__lte=high
        ).order_by("pk")

    statement = Statement(build, start=dt.date, end=dt.date, low=int, high=int)
    days = sorted(Milestone.objects.values_list("due_date", flat=True))
    ids = sorted(Milestone.objects.values_list("pk", flat=True))
    assert len(days) > 2
    for start, end, low, high in (
        (days[0], days[-1], ids[0], ids[-1]),
        (days[1], days[-1], ids[0], ids[-2]),
        (days[-1], days[0], ids[0], ids[-1]),
    ):
        expected = [m.pk for m in build(start, end, low, high)]
        assert [m.pk for m in statement.rows(start=start, end=end, low=low, high=high)] == expected


def test_statements_compile_each_shape_and_leave_out_the_values_not_given(world):
    def build(shape: str, path: str | None, visit: int | None):
        visits = Visit.objects.all() if shape == "all" else Visit.objects.none()
        if path is not None:
            visits = visits.filter(host_unit__path__startswith=path)
        if visit is not None:
            visits = visits.exclude(pk=visit)
        return visits.order_by("pk")

    statements = Statements(build, shapes=2, path=str, visit=int)
    for shape, path, visit in (
        ("all", world.province_in.path, None),
        ("all", None, world.visit.pk),
        ("all", world.district.path, world.visit.pk),
        ("all", None, None),
        ("none", None, None),
        ("all", world.province_in.path, None),
    ):
        expected = [v.pk for v in build(shape, path, visit)]
        assert [v.pk for v in statements.rows(shape, path=path, visit=visit)] == expected
    assert len(statements._statements) == 2  # the shapes used last
    with pytest.raises(TypeError):
        statements.rows("all", day=dt.date(2026, 1, 1))


def test_the_current_conclusion_is_read_as_its_queryset_reads_it(world):
    issue(world.visit, rec(world.district), issued_on=timezone.localdate())
    for visit in (world.visit, world.other_visit):
        assert [loaded(c) for c in CURRENT_CONCLUSION.rows(visit.pk)] == [
            loaded(c) for c in _current_conclusion(visit.pk)
        ]
    assert CURRENT_CONCLUSION.first(world.visit.pk) is not None
    assert CURRENT_CONCLUSION.first(world.other_visit.pk) is None
