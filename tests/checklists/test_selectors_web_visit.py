"""The reads behind the web visit page (checklists.selectors, "The web visit page")."""

from __future__ import annotations

import io

import pytest

from checklists.models import TeamMembership
from checklists.selectors import (
    visit_checklist_progress,
    visit_checklist_rows,
    visit_host_contacts,
    visit_progress,
    visit_team,
)
from checklists.selectors.reports import revision_comments, visit_report_revisions
from checklists.services.checklist import checklist_item_add, checklist_item_update
from checklists.services.reports import (
    CommentInput,
    report_comment_set_state,
    report_revision_review,
    report_revision_upload,
)
from tests import factories
from tests.checklists.test_reports_uploads import V1_DOCX, V2_DOCX

pytestmark = pytest.mark.django_db


def upload(world, path):
    return report_revision_upload(
        actor=world.people.host_in,
        visit=world.visit,
        content=io.BytesIO(path.read_bytes()),
        filename=path.name,
    )


def test_it_counts_progress_like_the_api(world, django_assert_num_queries):
    items = list(world.visit.checklist.order_by("id")[:3])
    checklist_item_update(actor=None, item=items[0], status="done")
    checklist_item_update(actor=None, item=items[1], status="not_applicable")
    checklist_item_update(actor=None, item=items[2], status="in_progress")

    with django_assert_num_queries(1):
        progress = visit_checklist_progress(world.visit.pk)

    assert (progress.settled, progress.total) == (2, 17)
    assert progress.fraction == visit_progress(world.visit)
    assert progress.percent == 12


def test_it_gives_a_visit_with_no_items_zero_progress(world):
    world.visit.checklist.all().delete()

    progress = visit_checklist_progress(world.visit.pk)

    assert (progress.settled, progress.total, progress.fraction) == (0, 0, 0.0)


def test_it_lists_the_checklist_in_outline_order_in_one_query(world, django_assert_num_queries):
    checklist_item_add(actor=None, visit=world.visit, text="Bổ sung", assignee=world.people.member)

    with django_assert_num_queries(1):
        items = list(visit_checklist_rows(world.visit.pk, internal_notes=False))

    assert [i.section_number for i in items][:2] == ["I", "I"]
    assert items[-1].section_number == "BS"
    assert items[-1].assignee_name == str(world.people.member)
    assert items[0].assignee_name is None


def test_it_names_an_assignee_as_a_person_is_named(world):
    member = world.people.member
    member.full_name = ""
    member.save(update_fields=["full_name"])
    checklist_item_add(actor=None, visit=world.visit, text="Bổ sung", assignee=member)

    items = list(visit_checklist_rows(world.visit.pk, internal_notes=False))

    assert items[-1].assignee_name == member.username == str(member)


def test_it_gives_the_internal_notes_only_when_asked(world):
    hidden = visit_checklist_rows(world.visit.pk, internal_notes=False).get(pk=world.item.pk)
    shown = visit_checklist_rows(world.visit.pk, internal_notes=True).get(pk=world.item.pk)

    assert hidden.note == ""
    assert shown.note == "Ghi chú nội bộ của Đoàn"


def test_it_puts_the_lead_first_in_the_team(world):
    roles = [m.role for m in visit_team(world.visit.pk)]

    assert roles == [
        TeamMembership.Role.LEAD,
        TeamMembership.Role.DEPUTY,
        TeamMembership.Role.MEMBER,
        TeamMembership.Role.SECRETARY,
    ]


def test_it_lists_only_the_active_contacts_of_the_host_unit(world):
    gone = factories.host_contact(world.district, username="gone")
    gone.is_active = False
    gone.save()

    assert list(visit_host_contacts(world.visit)) == [world.people.host_in]


def test_it_lists_revisions_newest_first_with_open_comment_counts(world):
    first = upload(world, V1_DOCX)
    report_revision_review(
        actor=world.people.lead,
        revision=first,
        decision="request_changes",
        comments=[CommentInput(text="a"), CommentInput(text="b")],
    )
    report_comment_set_state(actor=None, comment=first.comments.first(), state="resolved")
    upload(world, V2_DOCX)

    revisions = list(visit_report_revisions(world.visit.pk))

    assert [(r.number, r.open_comment_count) for r in revisions] == [(2, 1), (1, 1)]
    assert revisions[0].uploaded_by == world.people.host_in


def test_it_lists_comments_with_where_they_came_from_in_one_query(world, django_assert_num_queries):
    first = upload(world, V1_DOCX)
    report_revision_review(
        actor=world.people.lead,
        revision=first,
        decision="request_changes",
        comments=[CommentInput(text="Mục III", section="III")],
    )
    second = upload(world, V2_DOCX)

    with django_assert_num_queries(1):
        comments = list(revision_comments(second.pk))
        origins = [
            (c.carried_from.revision.number, c.section.number, str(c.author)) for c in comments
        ]

    assert origins == [(1, "III", str(world.people.lead))]
