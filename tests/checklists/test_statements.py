"""Reads keyed by one id, compiled once (checklists.statements): the same rows as
the querysets they are built from, for every key, and refused where the key would
not be a parameter of its own."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from django.utils import timezone

from checklists.models import ChecklistItem, Notification, Unit, Visit
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
from checklists.selectors.notifications import (
    LATEST_UNREAD,
    LATEST_UNREAD_OF,
    latest_unread,
    unread_notifications,
)
from checklists.selectors.reports import VISIT_REPORT_REVISIONS, visit_report_revisions
from checklists.services.checklist import milestone_mark_done
from checklists.services.reports import CommentInput, report_revision_review
from checklists.statements import KeyedStatement
from tests.checklists.test_reports_uploads import V1_DOCX
from tests.checklists.test_selectors_web_visit import upload

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
