"""The visit page and its draft-report pages, through Django's test client: who
sees what, every change tried by every role (SPEC §4), stale and invalid input,
hostile uploads, and the number of queries as a visit grows."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from checklists.models import AnswerType, AuditEvent, ChecklistItem, Milestone
from checklists.models.reports import ReportRevision, Review, ReviewComment, RevisionComparison
from checklists.services.checklist import checklist_item_add, milestone_reschedule
from checklists.services.reports import (
    CommentInput,
    report_comment_add,
    report_revision_extract_text,
    report_revision_review,
    report_revision_upload,
)
from tests.checklists.test_reports_revisions import real_plan10_visit
from tests.checklists.test_reports_uploads import V1_DOCX, V2_DOCX, docx_bytes, hostile_files
from tests.conftest import ROLES

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# SPEC §4 for the world of tests/conftest.py.
SEES_VISIT = {"coordinator_in", "lead", "deputy", "member", "secretary", "host_in"}
TEAM = {"lead", "deputy", "member", "secretary"}
EDITS_CHECKLIST = {"coordinator_in"} | TEAM
MARKS_MILESTONES = EDITS_CHECKLIST
UPLOADS = {"coordinator_in", "host_in"}
REVIEWS = {"coordinator_in"} | TEAM
ANSWERS = {"coordinator_in", "host_in"}
SIGNED_IN = [role for role in ROLES if role != "anonymous"]


def visit_url(visit, suffix: str = "") -> str:
    return f"/visits/{visit.pk}/{suffix}"


def revision_url(revision, suffix: str = "") -> str:
    return f"/visits/{revision.visit_id}/reports/{revision.pk}/{suffix}"


def expected(role: str, allowed: set[str]) -> int:
    """The status a POST answers: done, refused (403), hidden (404) or sign in (302)."""
    if role == "anonymous":
        return 302
    if role in allowed:
        return 200
    return 403 if role in SEES_VISIT else 404


def upload(world, path: Path = V1_DOCX, visit=None, user=None) -> ReportRevision:
    return report_revision_upload(
        actor=user or world.people.host_in,
        visit=visit or world.visit,
        content=io.BytesIO(path.read_bytes()),
        filename=path.name,
    )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- the visit page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_the_visit_page_to_those_who_may_see_it(role, world, web_client_for):
    response = web_client_for(role).get(visit_url(world.visit))

    if role == "anonymous":
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    elif role in SEES_VISIT:
        assert response.status_code == 200
        page = response.content.decode()
        assert world.visit.title in page
        assert "Hạ Long" in page
        assert "Working sessions" in page
        assert "0 of 17 done" in page
    else:
        assert response.status_code == 404


def test_it_answers_404_for_a_visit_that_does_not_exist(world, web_client_for):
    assert web_client_for("coordinator_all").get("/visits/999999/").status_code == 404


def test_it_shows_sessions_in_vietnam_time_team_and_host_contacts(world, web_client_for):
    page = web_client_for("member").get(visit_url(world.visit)).content.decode()

    # 08:00–11:00 in Hạ Long, stored as 01:00 UTC; a day shown alone has its weekday
    # in full (SPEC §9: "13 May 2024" in English, "13/05/2024" in Vietnamese).
    assert "Monday 13 May 2024" in page
    assert "08:00–11:00" in page
    assert str(world.people.lead) in page and "Team lead" in page
    assert str(world.people.secretary) in page and "Secretary" in page
    assert str(world.people.host_in) in page
    assert world.people.host_in.email in page


def test_it_shows_each_milestones_state_as_the_api_computes_it(world, web_client_for):
    today = timezone.localdate()
    soon = world.visit.milestones.get(key="team_comments_due")
    milestone_reschedule(actor=None, milestone=soon, due_date=today + dt.timedelta(days=1))
    later = world.visit.milestones.get(key="conclusion_due")
    milestone_reschedule(actor=None, milestone=later, due_date=today + dt.timedelta(days=60))

    page = web_client_for("host_in").get(visit_url(world.visit)).content.decode()

    for milestone in world.visit.milestones.all():
        row = page.split(f'id="milestone-{milestone.pk}"')[1].split("</tr>")[0]
        assert f"badge-{milestone.state_on(today)}" in row
    assert "badge-due_soon" in page and "badge-upcoming" in page and "badge-overdue" in page
    # The first upload met the draft deadline in other tests; here, no one did.
    assert "Host unit" in page and "Inspection team" in page and "Coordinator" in page


def test_it_hides_internal_notes_and_item_forms_from_host_contacts(world, web_client_for):
    host_page = web_client_for("host_in").get(visit_url(world.visit)).content.decode()
    team_page = web_client_for("member").get(visit_url(world.visit)).content.decode()

    assert "Ghi chú nội bộ của Đoàn" not in host_page
    assert 'name="status"' not in host_page
    # A host contact marks the host's deadlines only (SPEC §4), the team the team's.
    team_deadline = world.visit.milestones.get(key="team_comments_due")
    host_deadline = world.visit.milestones.get(key="draft_report_due")
    assert f'id="milestone-{team_deadline.pk}-action"' not in host_page
    assert f'id="milestone-{host_deadline.pk}-action"' in host_page
    assert f'id="milestone-{team_deadline.pk}-action"' in team_page
    assert f'id="milestone-{host_deadline.pk}-action"' not in team_page
    assert "Ghi chú nội bộ của Đoàn" in team_page
    assert f'id="item-{world.item.pk}-status"' in team_page
    assert "Mark done" in team_page
    assert 'id="upload-form"' in host_page
    assert 'id="upload-form"' not in team_page


# --- checklist items --------------------------------------------------------------------------


def post_item(client, item, *, htmx: bool = True, **data):
    data.setdefault("row_version", item.row_version)
    return client.post(
        visit_url(item.visit, f"checklist/{item.pk}/"), data, **(HTMX if htmx else {})
    )


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_the_team_and_coordinators_change_an_item(role, world, web_client_for):
    response = post_item(web_client_for(role), world.item, status="done", answer="Đã rà soát")

    assert response.status_code == expected(role, EDITS_CHECKLIST)
    world.item.refresh_from_db()
    if role in EDITS_CHECKLIST:
        assert (world.item.status, world.item.answer) == ("done", "Đã rà soát")
        assert world.item.row_version == 2
    else:
        assert (world.item.status, world.item.answer) == ("open", None)
        assert world.item.row_version == 1


def test_it_updates_the_progress_bar_out_of_band(world, web_client_for):
    response = post_item(web_client_for("member"), world.item, status="done")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="item-{world.item.pk}"' in page
    assert 'id="checklist-progress" class="checklist-progress" aria-live="polite" hx-swap-oob' in (
        page
    )
    assert "1 of 17 done" in page
    assert 'value="1" max="17"' in page
    assert AuditEvent.objects.filter(action="update", object_id=str(world.item.pk)).exists()


def test_it_counts_not_applicable_as_settled_like_the_api(world, web_client_for, client):
    post_item(web_client_for("member"), world.item, status="not_applicable")
    client.force_login(world.people.member)

    api = client.get(f"/api/v1/visits/{world.visit.pk}/").json()
    page = web_client_for("member").get(visit_url(world.visit)).content.decode()

    assert api["progress"] == round(1 / 17, 4)
    assert "1 of 17 done" in page


def test_it_changes_only_the_fields_that_were_sent(world, web_client_for):
    ChecklistItem.objects.filter(pk=world.item.pk).update(answer="Giữ nguyên")
    world.item.refresh_from_db()

    post_item(web_client_for("lead"), world.item, status="in_progress")

    world.item.refresh_from_db()
    assert (world.item.status, world.item.answer) == ("in_progress", "Giữ nguyên")


def test_it_refuses_a_stale_edit_with_409_and_the_current_values(world, web_client_for):
    seen_version = world.item.row_version
    post_item(web_client_for("lead"), world.item, answer="Bản của trưởng đoàn")

    response = post_item(
        web_client_for("member"), world.item, row_version=seen_version, answer="Bản cũ"
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else" in page
    assert "Bản của trưởng đoàn" in page
    assert 'name="row_version" value="2"' in page
    assert "hx-swap-oob" not in page
    world.item.refresh_from_db()
    assert world.item.answer == "Bản của trưởng đoàn"


def number_item(world) -> ChecklistItem:
    return checklist_item_add(
        actor=None, visit=world.visit, text="Số đảng viên mới", answer_type=AnswerType.NUMBER
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("answer", "khoảng mười"),
        ("answer", "NaN"),
        ("status", "finished"),
        ("answer", "x" * 20_001),
    ],
)
def test_it_refuses_an_invalid_value_with_422_beside_the_field(field, value, world, web_client_for):
    item = number_item(world)

    response = post_item(web_client_for("member"), item, **{field: value})

    page = response.content.decode()
    assert response.status_code == 422
    assert f'aria-describedby="item-{item.pk}-{field}-error"' in page
    assert 'aria-invalid="true"' in page
    assert "hx-swap-oob" not in page
    item.refresh_from_db()
    assert (item.status, item.answer, item.row_version) == ("open", None, 1)


def test_it_takes_a_number_with_a_decimal_comma_and_yes_no_answers(world, web_client_for):
    item = number_item(world)
    yes_no = checklist_item_add(
        actor=None, visit=world.visit, text="Có quy chế?", answer_type=AnswerType.YES_NO
    )
    world.people.member.language = "vi"  # a decimal comma is Vietnamese (SPEC §3)
    world.people.member.save(update_fields=["language"])
    client = web_client_for("member")

    assert post_item(client, item, answer="12,5").status_code == 200
    assert post_item(client, yes_no, answer="yes").status_code == 200
    assert post_item(client, yes_no, answer="maybe", row_version=2).status_code == 422

    item.refresh_from_db()
    yes_no.refresh_from_db()
    assert item.answer == 12.5
    assert yes_no.answer is True


def test_it_answers_404_for_an_item_of_another_visit(world, web_client_for):
    foreign = world.other_visit.checklist.first()

    response = web_client_for("coordinator_all").post(
        visit_url(world.visit, f"checklist/{foreign.pk}/"),
        {"status": "done", "row_version": foreign.row_version},
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "open"


def test_it_works_without_javascript(world, web_client_for):
    client = web_client_for("member")

    saved = post_item(client, world.item, htmx=False, status="done")
    refused = post_item(client, number_item(world), htmx=False, answer="abc")

    assert saved.status_code == 302
    assert saved["Location"] == f"/visits/{world.visit.pk}/#item-{world.item.pk}"
    assert refused.status_code == 422
    assert "<html" in refused.content.decode()
    assert "This item takes a number." in refused.content.decode()


# --- milestones -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_the_team_and_coordinators_mark_a_deadline(role, world, web_client_for):
    milestone = world.visit.milestones.get(key="team_comments_due")

    response = web_client_for(role).post(
        visit_url(world.visit, f"milestones/{milestone.pk}/done/"), {"done": "1"}, **HTMX
    )

    assert response.status_code == expected(role, MARKS_MILESTONES)
    milestone.refresh_from_db()
    assert (milestone.done_at is not None) == (role in MARKS_MILESTONES)
    if role in MARKS_MILESTONES:
        assert "badge-done" in response.content.decode()


def test_it_reopens_a_deadline_and_refuses_one_of_another_visit(world, web_client_for):
    client = web_client_for("lead")
    milestone = world.visit.milestones.get(key="team_comments_due")
    client.post(visit_url(world.visit, f"milestones/{milestone.pk}/done/"), {"done": "1"})

    client.post(visit_url(world.visit, f"milestones/{milestone.pk}/done/"), {"done": "0"})
    foreign = world.other_visit.milestones.first()
    response = web_client_for("coordinator_all").post(
        visit_url(world.visit, f"milestones/{foreign.pk}/done/"), {"done": "1"}
    )

    milestone.refresh_from_db()
    assert milestone.done_at is None
    assert response.status_code == 404
    assert Milestone.objects.get(pk=foreign.pk).done_at is None


# --- uploads ----------------------------------------------------------------------------------


def post_upload(client, visit, name: str, content: bytes, *, htmx: bool = True):
    file = io.BytesIO(content)
    file.name = name
    return client.post(visit_url(visit, "reports/"), {"file": file}, **(HTMX if htmx else {}))


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_host_contacts_and_coordinators_upload(role, world, web_client_for):
    response = post_upload(web_client_for(role), world.visit, "Dự thảo.docx", V1_DOCX.read_bytes())

    allowed = role in UPLOADS
    assert response.status_code == (201 if allowed else expected(role, UPLOADS))
    assert ReportRevision.objects.filter(visit=world.visit).count() == (1 if allowed else 0)
    if allowed:
        page = response.content.decode()
        assert "Revision 1 (Dự thảo.docx) is uploaded." in page
        assert "Dự thảo.docx" in page


@pytest.mark.parametrize("case", sorted(hostile_files()))
def test_it_refuses_hostile_files_beside_the_field(case, world, web_client_for, settings):
    name, content = hostile_files()[case]

    response = post_upload(web_client_for("host_in"), world.visit, name, content)

    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="report-file-error"' in page
    assert 'aria-invalid="true"' in page
    assert ReportRevision.objects.count() == 0
    assert stored_files(settings) == []


def test_it_refuses_a_copy_with_409_naming_the_revision(world, web_client_for, settings):
    client = web_client_for("host_in")
    post_upload(client, world.visit, "a.docx", V1_DOCX.read_bytes())

    response = post_upload(client, world.visit, "b.docx", V1_DOCX.read_bytes())

    assert response.status_code == 409
    assert "identical to revision 1" in response.content.decode()
    assert ReportRevision.objects.count() == 1
    assert len(stored_files(settings)) == 1


def test_it_refuses_a_file_over_the_limit_with_413(world, web_client_for, settings):
    settings.REPORT_MAX_BYTES = 20_000

    response = post_upload(web_client_for("host_in"), world.visit, "a.docx", V1_DOCX.read_bytes())

    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert ReportRevision.objects.count() == 0
    assert stored_files(settings) == []


def test_it_asks_for_a_file_when_none_was_sent(world, web_client_for):
    response = web_client_for("host_in").post(visit_url(world.visit, "reports/"), {}, **HTMX)

    assert response.status_code == 422
    assert "Choose the report file to upload." in response.content.decode()


def test_it_uploads_without_javascript_and_redirects_back(world, web_client_for):
    client = web_client_for("host_in")

    saved = post_upload(client, world.visit, "a.docx", V1_DOCX.read_bytes(), htmx=False)
    refused = post_upload(client, world.visit, "a.exe", b"MZ" + b"\0" * 100, htmx=False)

    assert saved.status_code == 302
    assert saved["Location"].endswith("#reports")
    assert refused.status_code == 422
    assert "This file is a program" in refused.content.decode()


# --- downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_serves_the_file_to_those_who_see_the_visit_and_audits_it(role, world, web_client_for):
    revision = upload(world)

    response = web_client_for(role).get(revision_url(revision, "file/"))

    if role in SEES_VISIT:
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == V1_DOCX.read_bytes()
        assert AuditEvent.objects.filter(action="download", actor=getattr(world.people, role))
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        assert not AuditEvent.objects.filter(action="download").exists()


def test_it_answers_404_for_a_revision_of_another_visit(world, web_client_for):
    foreign = report_revision_upload(
        actor=None,
        visit=world.other_visit,
        content=io.BytesIO(docx_bytes("Vĩnh Phúc")),
        filename="x.docx",
    )
    client = web_client_for("coordinator_all")

    for suffix in ("", "file/"):
        assert (
            client.get(f"/visits/{world.visit.pk}/reports/{foreign.pk}/{suffix}").status_code == 404
        )
    for suffix in ("review/", "comments/"):
        response = client.post(
            f"/visits/{world.visit.pk}/reports/{foreign.pk}/{suffix}",
            {"decision": "accept", "text": "x"},
        )
        assert response.status_code == 404
    assert foreign.reviews.count() == 0 and foreign.comments.count() == 0


# --- a revision's page ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_a_revision_to_those_who_see_the_visit(role, world, web_client_for):
    revision = upload(world)

    response = web_client_for(role).get(revision_url(revision))

    if role in SEES_VISIT:
        assert response.status_code == 200
        page = response.content.decode()
        assert "Draft report, revision 1" in page
        assert ("Review this revision" in page) == (role in REVIEWS)
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)


def test_it_says_the_text_is_still_being_extracted(world, web_client_for):
    upload(world)
    second = upload(world, V2_DOCX)

    response = web_client_for("lead").get(revision_url(second))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("is still being extracted") == 2  # coverage and diff


def test_it_shows_coverage_and_the_changes_by_section_once_the_text_is_ready(world, web_client_for):
    """GIVEN revisions 1 (sections I–III) and 2 (I–VI, one figure corrected 468 → 470)
    with their texts extracted WHEN the host opens each THEN revision 2 shows the
    kept comparison: the figure marked inside its paragraph, the new sections
    inserted, the counts, and a list of the changed sections leading to them."""
    visit = real_plan10_visit(world.district)
    first = upload(world, V1_DOCX, visit)
    second = upload(world, V2_DOCX, visit)
    for revision in (first, second):
        report_revision_extract_text(revision_id=revision.pk)
    kept = RevisionComparison.objects.get(revision=second, against=first)

    first_page = web_client_for("host_in").get(revision_url(first)).content.decode()
    second_page = web_client_for("host_in").get(revision_url(second)).content.decode()

    assert "3 of 6 outline sections covered" in first_page
    assert "first revision; there is nothing to compare" in first_page
    deleted = '<del><span class="visually-hidden">[deleted] </span>468</del>'
    inserted = '<ins><span class="visually-hidden">[inserted] </span>470</ins>'
    assert second_page.count(deleted) == 2  # before (wide) and inline (phone)
    assert second_page.count(inserted) == 2
    assert (
        '<span class="visually-hidden">[inserted] </span>VI. Kiến nghị, đề xuất</ins>'
        in second_page
    )
    assert f"{kept.inserted} words inserted" in second_page
    assert f"{kept.deleted} words deleted" in second_page
    toc = second_page.split('class="comparison-toc"')[1].split("</nav>")[0]
    assert 'href="#change-start">Before the first outline section</a>' in toc  # "lần 2"
    assert 'href="#change-III">III. Kết quả thực hiện nhiệm vụ</a>' in toc
    assert 'href="#change-VI">VI. Kiến nghị, đề xuất</a>' in toc
    assert "I. Đặc điểm tình hình" not in toc  # unchanged
    assert '<section id="change-VI" class="comparison-section"' in second_page


def test_it_compares_with_a_chosen_revision_of_the_same_visit_only(world, web_client_for):
    first = upload(world)
    upload(world, V2_DOCX)
    third = report_revision_upload(
        actor=None, visit=world.visit, content=io.BytesIO(docx_bytes("r3")), filename="r3.docx"
    )
    foreign = report_revision_upload(
        actor=None, visit=world.other_visit, content=io.BytesIO(docx_bytes("vp")), filename="v.docx"
    )
    client = web_client_for("lead")

    chosen = client.get(revision_url(third), {"against": first.pk})
    refused = client.get(revision_url(third), {"against": foreign.pk})

    assert chosen.status_code == 200
    assert f'value="{first.pk}" selected' in chosen.content.decode()
    assert refused.status_code == 404


# --- reviews and comments ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_the_team_and_coordinators_review(role, world, web_client_for):
    revision = upload(world)
    section = world.outline.sections.get(number="III")

    response = web_client_for(role).post(
        revision_url(revision, "review/"),
        {"decision": "request_changes", "section": section.pk, "text": "Bổ sung số liệu"},
    )

    allowed = role in REVIEWS
    assert response.status_code == (302 if allowed else expected(role, REVIEWS))
    revision.refresh_from_db()
    assert revision.state == ("changes_requested" if allowed else "submitted")
    assert ReviewComment.objects.filter(section=section).count() == (1 if allowed else 0)


def test_it_refuses_a_review_without_a_decision_and_saves_nothing(world, web_client_for):
    revision = upload(world)

    response = web_client_for("lead").post(revision_url(revision, "review/"), {"text": "Thiếu"})

    page = response.content.decode()
    assert response.status_code == 422
    assert "Choose whether to accept or to request changes." in page
    assert 'aria-describedby="review-decision-error"' in page
    assert "Thiếu" in page  # what was typed stays
    assert Review.objects.count() == 0 and ReviewComment.objects.count() == 0


def test_it_refuses_to_review_a_superseded_revision_with_409(world, web_client_for):
    first = upload(world)
    upload(world, V2_DOCX)

    response = web_client_for("lead").post(revision_url(first, "review/"), {"decision": "accept"})

    assert response.status_code == 409
    assert "superseded by revision 2" in response.content.decode()
    assert Review.objects.count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_the_team_and_coordinators_add_comments(role, world, web_client_for):
    revision = upload(world)

    response = web_client_for(role).post(revision_url(revision, "comments/"), {"text": "Rõ hơn"})

    allowed = role in REVIEWS
    assert response.status_code == (302 if allowed else expected(role, REVIEWS))
    assert ReviewComment.objects.count() == (1 if allowed else 0)


def test_it_refuses_an_empty_comment_with_422(world, web_client_for):
    revision = upload(world)

    response = web_client_for("lead").post(revision_url(revision, "comments/"), {"text": "  "})

    assert response.status_code == 422
    assert "Write the comment." in response.content.decode()
    assert ReviewComment.objects.count() == 0


def a_comment(world, revision=None) -> ReviewComment:
    revision = revision or upload(world)
    return report_comment_add(actor=world.people.lead, revision=revision, text="Làm rõ mục II")


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_host_contacts_and_coordinators_answer(role, world, web_client_for):
    comment = a_comment(world)

    response = web_client_for(role).post(
        revision_url(comment.revision, f"comments/{comment.pk}/answer/"),
        {"response": "Đã bổ sung"},
        **HTMX,
    )

    assert response.status_code == expected(role, ANSWERS)
    comment.refresh_from_db()
    assert comment.response == ("Đã bổ sung" if role in ANSWERS else "")


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_the_team_and_coordinators_settle_a_comment(role, world, web_client_for):
    comment = a_comment(world)

    response = web_client_for(role).post(
        revision_url(comment.revision, f"comments/{comment.pk}/state/"),
        {"state": "resolved"},
        **HTMX,
    )

    assert response.status_code == expected(role, REVIEWS)
    comment.refresh_from_db()
    assert comment.state == ("resolved" if role in REVIEWS else "open")


@pytest.mark.parametrize(
    ("suffix", "data", "role"),
    [("answer/", {"response": " "}, "host_in"), ("state/", {"state": "open"}, "lead")],
)
def test_it_refuses_invalid_comment_changes_with_422(suffix, data, role, world, web_client_for):
    comment = a_comment(world)

    response = web_client_for(role).post(
        revision_url(comment.revision, f"comments/{comment.pk}/{suffix}"), data, **HTMX
    )

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    comment.refresh_from_db()
    assert (comment.response, comment.state) == ("", "open")


def test_it_answers_404_for_a_comment_of_another_revision(world, web_client_for):
    first = upload(world)
    comment = a_comment(world, first)
    second = upload(world, V2_DOCX)

    response = web_client_for("host_in").post(
        revision_url(second, f"comments/{comment.pk}/answer/"), {"response": "x"}
    )

    assert response.status_code == 404


def test_it_shows_comments_carried_over_from_the_previous_revision(world, web_client_for):
    first = upload(world)
    report_revision_review(
        actor=world.people.lead,
        revision=first,
        decision="request_changes",
        comments=[CommentInput(text="Bổ sung mục IV", section="IV")],
    )
    second = upload(world, V2_DOCX)

    page = web_client_for("host_in").get(revision_url(second)).content.decode()

    assert "Bổ sung mục IV" in page
    assert "Carried over from revision 1" in page
    assert "IV. Mục IV" in page
    assert "Your explanation" in page


# --- queries ---------------------------------------------------------------------------------------


def grow(world, n: int) -> None:
    """n more checklist items (with an assignee) and n more revisions with a comment."""
    for i in range(n):
        checklist_item_add(
            actor=None, visit=world.visit, text=f"Thêm {i}", assignee=world.people.member
        )
        revision = report_revision_upload(
            actor=world.people.host_in,
            visit=world.visit,
            content=io.BytesIO(docx_bytes(f"bản {uuid.uuid4().hex}")),
            filename=f"r{i}.docx",
        )
        report_comment_add(actor=world.people.lead, revision=revision, text=f"Ý kiến {i}")


def count_queries(client, url, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["lead", "host_in", "coordinator_in"])
def test_the_visit_page_costs_the_same_queries_however_big_the_visit(
    role, world, web_client_for, django_assert_max_num_queries
):
    client = web_client_for(role)
    grow(world, 2)
    small = count_queries(client, visit_url(world.visit), django_assert_max_num_queries)
    grow(world, 20)

    with django_assert_max_num_queries(small):
        response = client.get(visit_url(world.visit))

    assert response.status_code == 200
    # session, person, visit, role, scope + 7 lists + the conclusion block (the
    # current conclusion, the earlier visits' open recommendations)
    assert small <= 14


def test_the_revision_page_costs_the_same_queries_however_many_comments(
    world, web_client_for, django_assert_max_num_queries
):
    client = web_client_for("lead")
    revision = upload(world)
    for i in range(2):
        report_comment_add(actor=world.people.lead, revision=revision, text=f"Ý kiến {i}")
    small = count_queries(client, revision_url(revision), django_assert_max_num_queries)
    for i in range(30):
        report_comment_add(actor=world.people.deputy, revision=revision, text=f"Thêm {i}")

    with django_assert_max_num_queries(small):
        response = client.get(revision_url(revision))

    assert response.status_code == 200
    assert small <= 11


def test_the_revision_page_costs_the_same_queries_however_big_the_comparison(
    world, web_client_for, django_assert_max_num_queries
):
    """GIVEN a comparison of two one-paragraph revisions, and one of two revisions
    of six sections with every paragraph changed THEN both pages cost the same
    queries (the kept comparison is one row, whatever it holds)."""
    client = web_client_for("lead")

    def revision(*paragraphs: str) -> ReportRevision:
        revision = report_revision_upload(
            actor=world.people.host_in,
            visit=world.visit,
            content=io.BytesIO(docx_bytes(*paragraphs)),
            filename="r.docx",
        )
        report_revision_extract_text(revision_id=revision.pk)
        return revision

    revision("Báo cáo số 1.")
    small = revision("Báo cáo số 2.")
    assert RevisionComparison.objects.filter(revision=small).exists()
    small_count = count_queries(client, revision_url(small), django_assert_max_num_queries)

    numbers = ["I", "II", "III", "IV", "V", "VI"]

    def long_report(figure: int) -> list[str]:
        return [
            line
            for number in numbers
            for line in [f"{number}. Mục {number}"]
            + [f"Đoạn {i} của mục {number} có {figure + i} hồ sơ." for i in range(20)]
        ]

    revision(*long_report(100))
    big = revision(*long_report(200))
    kept = RevisionComparison.objects.get(revision=big)
    assert sum(s["changed"] for s in kept.result["sections"]) == 6

    with django_assert_max_num_queries(small_count):
        response = client.get(revision_url(big))

    assert response.status_code == 200
    assert response.content.decode().count('class="comparison-row op-replace"') == 120
