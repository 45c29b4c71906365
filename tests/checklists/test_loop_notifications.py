"""Every step of the draft-report loop tells the other side (SPEC §3, §5 notification):
exactly the right people, once, never the person who acted, in each recipient's
language, with the kind and the page to open.

The world (tests.conftest.world): a visit of a district under province "in", its
team (lead, deputy, member, secretary), the district's contact host_in, the
coordinators coord_all (everything), coord_in (province "in") and coord_out
(province "out", not in scope). Here the member and host_in read Vietnamese, a
second host contact (host_en) English.
"""

from __future__ import annotations

import io
import threading
from types import SimpleNamespace

import pytest
from django.db import connection, connections

from checklists.errors import TransitionNotAllowed
from checklists.models import Notification, ReportRevision, Review, TeamMembership, User
from checklists.services.loop_notifications import notify_reviewed
from checklists.services.loop_wording import CommentLine
from checklists.services.reports import (
    CommentInput,
    report_comment_add,
    report_comment_answer,
    report_revision_review,
    report_revision_upload,
)
from tests import factories
from tests.checklists.test_reports_uploads import docx_bytes

Kind = Notification.Kind


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """The notification ids handed to the e-mail task after commit (no broker here)."""
    ids: list[int] = []
    monkeypatch.setattr("checklists.services.notification_delivery._enqueue_send", ids.append)
    return ids


@pytest.fixture
def loop(world, sent) -> SimpleNamespace:
    people = world.people
    User.objects.filter(pk__in=[people.member.pk, people.host_in.pk]).update(language="vi")
    host_en = factories.host_contact(world.district, username="host_en", language="en")
    return SimpleNamespace(world=world, people=people, host_en=host_en, visit=world.visit)


def upload(loop, actor=None, text: str = "Nội dung báo cáo.") -> ReportRevision:
    return report_revision_upload(
        actor=actor or loop.people.host_in,
        visit=loop.visit,
        content=io.BytesIO(docx_bytes("I. Đặc điểm tình hình", text)),
        filename="bao-cao.docx",
    )


def notified(kind: str) -> dict[str, Notification]:
    rows = Notification.objects.filter(kind=kind).select_related("recipient")
    usernames = [n.recipient.username for n in rows]
    assert len(usernames) == len(set(usernames)), "one notification per person"
    return {n.recipient.username: n for n in rows}


def page(revision: ReportRevision) -> str:
    return f"/visits/{revision.visit_id}/reports/{revision.pk}/"


def test_it_tells_the_whole_team_of_a_new_revision_in_their_language(loop):
    revision = upload(loop)

    rows = notified(Kind.REVISION_UPLOADED)
    assert set(rows) == {"lead", "deputy", "member", "secretary"}
    assert Notification.objects.exclude(kind=Kind.REVISION_UPLOADED).count() == 0
    for row in rows.values():
        assert row.visit_id == loop.visit.pk
        assert row.url == page(revision)
        assert row.event_key == f"revision:{revision.pk}"
    # The member reads Vietnamese, the lead English.
    assert rows["member"].title.startswith("Đã gửi dự thảo báo cáo")
    assert rows["lead"].title.startswith("Draft report uploaded: revision 1 (KT-HL)")
    assert "bao-cao.docx" in rows["lead"].body


def test_it_never_tells_the_uploader_even_when_on_the_team(loop):
    # A coordinator uploads for the host; here the coordinator is on the team too.
    TeamMembership.objects.create(
        visit=loop.visit, user=loop.people.coordinator_in, role=TeamMembership.Role.MEMBER
    )
    upload(loop, actor=loop.people.coordinator_in)
    assert set(notified(Kind.REVISION_UPLOADED)) == {"lead", "deputy", "member", "secretary"}


def test_it_tells_the_host_contacts_of_a_review_once_with_all_its_comments(loop):
    revision = upload(loop)
    Notification.objects.all().delete()

    review = report_revision_review(
        actor=loop.people.lead,
        revision=revision,
        decision="request_changes",
        comments=[
            CommentInput(text="Bổ sung số liệu đảng viên", section="I"),
            CommentInput(text="Làm rõ nguyên nhân"),
            CommentInput(text="Sửa lỗi chính tả"),
        ],
    )

    rows = notified(Kind.REVIEW)
    assert set(rows) == {"host_in", "host_en"}
    assert Notification.objects.count() == 2, "one per review and person, not per comment"
    english = rows["host_en"]
    assert english.url == page(revision)
    assert english.event_key == f"review:{review.pk}"
    assert english.title == "Draft report reviewed: revision 1 (KT-HL)"
    assert "with 3 comments" in english.body
    assert "[I] Bổ sung số liệu đảng viên" in english.body
    assert "Làm rõ nguyên nhân" in english.body and "Sửa lỗi chính tả" in english.body
    assert rows["host_in"].title.startswith("Đã cho ý kiến dự thảo báo cáo")


def test_it_tells_the_host_contacts_of_a_comment_outside_a_review(loop):
    revision = upload(loop)
    Notification.objects.all().delete()

    comment = report_comment_add(actor=loop.people.member, revision=revision, text="Thêm phụ lục")

    rows = notified(Kind.REVIEW)
    assert set(rows) == {"host_in", "host_en"}
    assert rows["host_en"].event_key == f"comment:{comment.pk}"
    assert "Thêm phụ lục" in rows["host_en"].body


def test_it_tells_the_comments_author_of_the_explanation(loop):
    revision = upload(loop)
    report_revision_review(
        actor=loop.people.member,
        revision=revision,
        decision="request_changes",
        comments=[CommentInput(text="Bổ sung số liệu")],
    )
    comment = revision.comments.get()
    Notification.objects.all().delete()

    report_comment_answer(actor=loop.people.host_in, comment=comment, response="Đã bổ sung.")

    rows = notified(Kind.EXPLANATION)
    assert set(rows) == {"member"}, "the author only, not the rest of the team"
    assert rows["member"].url == page(revision)
    assert rows["member"].title.startswith("Đã giải trình")
    assert "Đã bổ sung." in rows["member"].body
    # The same words again (a double submit) are no news; new words are.
    report_comment_answer(actor=loop.people.host_in, comment=comment, response="Đã bổ sung.")
    assert Notification.objects.count() == 1
    report_comment_answer(actor=loop.host_en, comment=comment, response="Bổ sung thêm.")
    assert Notification.objects.filter(kind=Kind.EXPLANATION).count() == 2


def test_it_tells_nobody_when_the_author_answers_their_own_comment(loop):
    revision = upload(loop)
    report_revision_review(
        actor=loop.people.coordinator_in,
        revision=revision,
        decision="request_changes",
        comments=[CommentInput(text="Bổ sung số liệu")],
    )
    Notification.objects.all().delete()
    # A coordinator may both comment and answer.
    report_comment_answer(
        actor=loop.people.coordinator_in, comment=revision.comments.get(), response="Ghi nhận."
    )
    assert not Notification.objects.exists()


def test_it_tells_both_sides_and_the_coordinators_in_scope_of_an_acceptance_only(loop):
    revision = upload(loop)
    Notification.objects.all().delete()

    review = report_revision_review(
        actor=loop.people.lead,
        revision=revision,
        decision="accept",
        comments=[CommentInput(text="Tốt")],
    )

    assert set(Notification.objects.values_list("kind", flat=True)) == {Kind.ACCEPTED}
    rows = notified(Kind.ACCEPTED)
    assert set(rows) == {
        "deputy",
        "member",
        "secretary",
        "host_in",
        "host_en",
        "coord_all",
        "coord_in",
    }, "not the lead who accepted, not coord_out (another province)"
    for row in rows.values():
        assert row.url == page(revision)
        assert row.event_key == f"review:{review.pk}"
    assert rows["host_in"].title.startswith("Dự thảo báo cáo được chấp nhận")
    assert rows["coord_in"].title == "Draft report accepted: revision 1 (KT-HL)"


def test_it_tells_nobody_inactive(loop):
    User.objects.filter(pk=loop.people.deputy.pk).update(is_active=False)
    upload(loop)
    assert "deputy" not in notified(Kind.REVISION_UPLOADED)


def test_it_notifies_once_when_the_step_runs_again_for_the_same_event(loop):
    revision = upload(loop)
    review = report_revision_review(
        actor=loop.people.lead, revision=revision, decision="request_changes"
    )
    before = Notification.objects.count()

    notify_reviewed(review=review, comments=[CommentLine("Lần nữa")], acted_by=loop.people.lead)
    notify_reviewed(review=review, comments=[], acted_by=loop.people.lead)

    assert Notification.objects.count() == before


def test_it_hands_each_e_mail_to_its_task_after_commit_only_for_each_people(
    loop, sent, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=loop.host_en.pk).update(notify=User.Notify.DIGEST)
    User.objects.filter(pk=loop.people.host_in.pk).update(email="")
    revision = upload(loop)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        report_revision_review(
            actor=loop.people.lead, revision=revision, decision="request_changes"
        )

    rows = notified(Kind.REVIEW)
    assert rows["host_en"].email_state == Notification.Email.DIGEST
    assert rows["host_in"].email_state == Notification.Email.NONE, "no address: in-app only"
    assert sent == [], "nothing to send at once"
    # The team takes each e-mail as it happens: handed to the task after commit.
    with django_capture_on_commit_callbacks(execute=True):
        upload(loop, text="Bản sửa.")
    pending = Notification.objects.filter(
        kind=Kind.REVISION_UPLOADED, email_state=Notification.Email.PENDING
    )
    assert pending.count() == 4
    assert sorted(sent) == sorted(pending.values_list("pk", flat=True))


def _accept_in_thread(revision_id: int, actor: User, barrier: threading.Barrier, out: list) -> None:
    try:
        barrier.wait(timeout=10)
        revision = ReportRevision.objects.select_related("visit").get(pk=revision_id)
        out.append(report_revision_review(actor=actor, revision=revision, decision="accept"))
    except Exception as error:
        out.append(error)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_it_never_notifies_twice_when_two_people_accept_at_once(loop):
    """GIVEN a revision WHEN the lead and the deputy accept it at the same moment
    THEN one review wins, the other is refused, and each person is told once."""
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (SQLite serialises them)")
    revision = upload(loop)
    Notification.objects.all().delete()
    barrier = threading.Barrier(2)
    out: list = []
    threads = [
        threading.Thread(target=_accept_in_thread, args=(revision.pk, actor, barrier, out))
        for actor in (loop.people.lead, loop.people.deputy)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    reviews = [r for r in out if isinstance(r, Review)]
    refusals = [r for r in out if isinstance(r, TransitionNotAllowed)]
    assert len(reviews) == 1 and len(refusals) == 1, out
    rows = notified(Kind.ACCEPTED)
    winner = reviews[0].reviewer.username
    assert winner not in rows
    assert len(rows) == 7  # the team but the winner (3), 2 host contacts, 2 coordinators


def _notify_in_thread(review_id: int, barrier: threading.Barrier, out: list) -> None:
    from django.db import transaction

    try:
        review = Review.objects.select_related("revision__visit__host_unit").get(pk=review_id)
        with transaction.atomic():
            barrier.wait(timeout=10)
            out.append(notify_reviewed(review=review, comments=[], acted_by=None))
    except Exception as error:
        out.append(error)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_it_never_duplicates_when_the_same_event_is_notified_twice_at_once(loop):
    """Two transactions insert the same event's notifications at the same moment:
    the unique (recipient, event) keeps one row each, and neither fails."""
    revision = upload(loop)
    review = report_revision_review(
        actor=loop.people.lead, revision=revision, decision="request_changes"
    )
    Notification.objects.filter(kind=Kind.REVIEW).delete()
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (SQLite serialises them)")
    barrier = threading.Barrier(2)
    out: list = []
    threads = [
        threading.Thread(target=_notify_in_thread, args=(review.pk, barrier, out)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not [r for r in out if isinstance(r, Exception)], out
    assert set(notified(Kind.REVIEW)) == {"host_in", "host_en"}
