"""The draft-report services refuse what SPEC §4 does not allow, whoever calls them
(API, pages, admin, commands), and their refusals say what they mean
(checklists.errors), so that every door maps them alike."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError

from checklists.errors import Conflict, Invalid, NotAllowed, NotFound, TooLarge
from checklists.limits import MAX_COMMENT_TEXT, MAX_COMMENTS_PER_REVIEW
from checklists.models import AuditEvent
from checklists.models.reports import ReportRevision, Review, ReviewComment
from checklists.policies import Capability, authorize
from checklists.selectors.reports import revision_comments, revision_visible_to
from checklists.services.reports import (
    CommentInput,
    DuplicateRevision,
    TextNotReady,
    report_comment_add,
    report_comment_answer,
    report_comment_set_state,
    report_comment_update,
    report_revision_coverage,
    report_revision_diff,
    report_revision_download,
    report_revision_review,
    report_revision_upload,
)
from checklists.uploads import UploadInvalid, UploadRefused, UploadTooLarge, sniff_report
from tests.checklists.test_reports_uploads import V1_DOCX, V2_DOCX, docx_bytes

pytestmark = pytest.mark.django_db


def upload(world, path=V1_DOCX, *, actor=None, visit=None) -> ReportRevision:
    return report_revision_upload(
        actor=actor if actor is not None else world.people.host_in,
        visit=visit or world.visit,
        content=io.BytesIO(path.read_bytes()),
        filename=path.name,
    )


def a_comment(world) -> ReviewComment:
    revision = upload(world)
    return report_comment_add(actor=world.people.lead, revision=revision, text="Làm rõ mục II")


# --- who may do what, decided by the services -------------------------------------------------


@pytest.mark.parametrize(
    ("role", "refusal"), [("member", NotAllowed), ("lead", NotAllowed), ("host_out", NotFound)]
)
def test_it_lets_only_host_contacts_and_coordinators_upload(world, role, refusal, settings):
    with pytest.raises(refusal):
        upload(world, actor=getattr(world.people, role))

    assert ReportRevision.objects.count() == 0
    assert not AuditEvent.objects.filter(action="upload").exists()


def test_it_says_who_may_upload(world):
    with pytest.raises(NotAllowed, match="host unit's contacts or a coordinator"):
        upload(world, actor=world.people.lead)


@pytest.mark.parametrize(("role", "refusal"), [("host_in", NotAllowed), ("host_out", NotFound)])
def test_it_lets_only_the_team_and_coordinators_review_and_comment(world, role, refusal):
    revision = upload(world)
    person = getattr(world.people, role)

    with pytest.raises(refusal):
        report_revision_review(actor=person, revision=revision, decision="accept")
    with pytest.raises(refusal):
        report_comment_add(actor=person, revision=revision, text="Thêm")

    revision.refresh_from_db()
    assert revision.state == ReportRevision.State.SUBMITTED
    assert Review.objects.count() == 0 and ReviewComment.objects.count() == 0


def test_it_lets_only_host_contacts_and_coordinators_answer(world):
    comment = a_comment(world)

    with pytest.raises(NotAllowed, match="answer comments"):
        report_comment_answer(actor=world.people.lead, comment=comment, response="Tự trả lời")
    report_comment_answer(actor=world.people.host_in, comment=comment, response="Đã bổ sung")

    comment.refresh_from_db()
    assert comment.response == "Đã bổ sung"


def test_it_lets_only_the_team_and_coordinators_settle_a_comment(world):
    comment = a_comment(world)

    with pytest.raises(NotAllowed, match="review draft reports"):
        report_comment_set_state(actor=world.people.host_in, comment=comment, state="resolved")
    report_comment_set_state(actor=world.people.member, comment=comment, state="resolved")

    comment.refresh_from_db()
    assert comment.state == ReviewComment.State.RESOLVED


@pytest.mark.parametrize("role", ["lead", "host_in"])
def test_it_changes_nothing_of_a_comment_unless_every_change_is_allowed(world, role):
    """GIVEN a person who may make only one of the two changes WHEN they send both
    THEN neither is made (the answer belongs to the host, the verdict to the team)."""
    comment = a_comment(world)

    with pytest.raises(NotAllowed):
        report_comment_update(
            actor=getattr(world.people, role), comment=comment, response="x", state="resolved"
        )

    comment.refresh_from_db()
    assert (comment.response, comment.state) == ("", ReviewComment.State.OPEN)
    assert not AuditEvent.objects.filter(action__in=["answer", "comment_state"]).exists()


def test_it_lets_a_coordinator_answer_and_settle_at_once(world):
    comment = a_comment(world)

    report_comment_update(
        actor=world.people.coordinator_in, comment=comment, response="Đã rõ", state="resolved"
    )

    comment.refresh_from_db()
    assert (comment.response, comment.state) == ("Đã rõ", ReviewComment.State.RESOLVED)


def test_it_hides_the_file_diff_and_coverage_from_those_who_do_not_see_the_visit(world):
    first = upload(world)
    second = upload(world, V2_DOCX)
    outsider = world.people.host_out

    with pytest.raises(NotFound):
        report_revision_download(actor=outsider, revision=second)
    with pytest.raises(NotFound):
        report_revision_diff(actor=outsider, revision=second, against=first)
    with pytest.raises(NotFound):
        report_revision_coverage(actor=outsider, revision=second)
    assert not AuditEvent.objects.filter(action="download").exists()


def test_it_refuses_a_diff_against_another_visits_revision(world):
    mine = upload(world)
    foreign = report_revision_upload(
        actor=None,
        visit=world.other_visit,
        content=io.BytesIO(docx_bytes("Vĩnh Phúc")),
        filename="x.docx",
    )

    with pytest.raises(ValidationError) as invalid:
        report_revision_diff(actor=world.people.coordinator_all, revision=mine, against=foreign)

    assert "against" in invalid.value.message_dict


def test_it_checks_a_revision_read_through_the_selector_without_a_query(
    world, django_assert_num_queries
):
    """The API's lookup loads the visit with the person's team role: the services'
    check then asks the database nothing."""
    comment = a_comment(world)
    revision = revision_visible_to(world.people.lead, comment.revision_id)
    [read] = list(revision_comments(revision))

    with django_assert_num_queries(0):
        authorize(world.people.lead, read.revision.visit, Capability.REVIEW)


# --- refusals that say what they mean -----------------------------------------------------------


def test_it_refuses_a_copy_as_a_conflict_naming_the_revision(world):
    first = upload(world)

    with pytest.raises(Conflict) as refused:
        upload(world)

    assert isinstance(refused.value, DuplicateRevision)
    assert refused.value.status == 409
    assert refused.value.extra == {"revision": first.pk}
    assert "revision 1" in refused.value.message


def test_it_refuses_coverage_of_a_pending_text_as_a_conflict(world):
    revision = upload(world)

    with pytest.raises(Conflict) as refused:
        report_revision_coverage(actor=world.people.lead, revision=revision)

    assert isinstance(refused.value, TextNotReady)
    assert "still being extracted" in refused.value.message


def test_it_refuses_an_unreadable_file_as_invalid_input_of_the_field_file():
    with pytest.raises(Invalid) as refused:
        sniff_report(io.BytesIO(b"MZ" + b"\0" * 100))

    assert isinstance(refused.value, UploadInvalid) and isinstance(refused.value, UploadRefused)
    assert list(refused.value.message_dict) == ["file"]
    assert refused.value.code == "unsupported_type"


def test_it_refuses_a_file_over_the_limit_as_too_large(settings):
    settings.REPORT_MAX_BYTES = 10_000

    with pytest.raises(TooLarge) as refused:
        sniff_report(io.BytesIO(V1_DOCX.read_bytes()))

    assert isinstance(refused.value, UploadTooLarge) and isinstance(refused.value, UploadRefused)
    assert refused.value.status == 413


# --- limits: the same for every door ------------------------------------------------------------


def test_it_refuses_an_over_long_comment_or_explanation(world):
    revision = upload(world)
    too_long = "x" * (MAX_COMMENT_TEXT + 1)

    with pytest.raises(ValidationError) as review:
        report_revision_review(
            actor=world.people.lead,
            revision=revision,
            decision="request_changes",
            comments=[CommentInput(text=too_long)],
        )
    comment = report_comment_add(actor=world.people.lead, revision=revision, text="Ngắn")
    with pytest.raises(ValidationError) as answer:
        report_comment_answer(actor=world.people.host_in, comment=comment, response=too_long)

    assert "comments[0].text" in review.value.message_dict
    assert "response" in answer.value.message_dict
    assert Review.objects.count() == 0


def test_it_refuses_a_review_with_too_many_comments(world):
    revision = upload(world)

    with pytest.raises(ValidationError) as invalid:
        report_revision_review(
            actor=world.people.lead,
            revision=revision,
            decision="request_changes",
            comments=[CommentInput(text="x")] * (MAX_COMMENTS_PER_REVIEW + 1),
        )

    assert "comments" in invalid.value.message_dict
