"""Draft-report revisions as services: numbering, storage, text, coverage, diff, reviews."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from checklists.coverage import SectionRef, outline_coverage
from checklists.errors import TransitionNotAllowed
from checklists.models import AuditEvent, Outline, Unit, Visit
from checklists.models.reports import ReportRevision, ReviewComment
from checklists.services.outlines import outline_import
from checklists.services.reports import (
    CommentInput,
    DuplicateRevision,
    TextNotReady,
    report_comment_answer,
    report_comment_set_state,
    report_revision_coverage,
    report_revision_diff,
    report_revision_extract_text,
    report_revision_review,
    report_revision_upload,
    report_revisions_text_stuck,
)
from checklists.services.visits import SessionInput, visit_create
from checklists.uploads import UploadRefused
from tests import factories
from tests.checklists.test_reports_uploads import (
    V1_DOCX,
    V2_DOCX,
    V2_ODT,
    V2_PDF,
    docx_bytes,
    hostile_files,
)
from tests.conftest import PLAN10_YAML, local


def real_plan10_visit(host_unit: Unit | None = None) -> Visit:
    """A visit on the Plan 10 outline file (its section titles)."""
    outline = Outline.objects.filter(
        code="KH-10", status="published", sections__title="Đặc điểm tình hình"
    ).first()
    if outline is None:
        # A version of its own: the factories' Plan 10 (titles "Mục I"…) may exist.
        content = re.sub(rb"(?m)^version: *\d+", b"version: 42", PLAN10_YAML.read_bytes())
        outline = outline_import(
            actor=None, content=content, filename=PLAN10_YAML.name, publish=True
        )
    unit = host_unit or factories.UnitFactory(code="thanh-binh", name="Huyện ủy Thanh Bình")
    start = local(2024, 6, 3, 8)
    return visit_create(
        actor=None,
        outline=outline,
        host_unit=unit,
        title="Kiểm tra tại Thanh Bình",
        sessions=[SessionInput(start=start, end=start + dt.timedelta(hours=3))],
    )


def upload(visit: Visit, path: Path, user=None, name: str | None = None) -> ReportRevision:
    return report_revision_upload(
        actor=user, visit=visit, content=io.BytesIO(path.read_bytes()), filename=name or path.name
    )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def visit(db):
    return real_plan10_visit()


@pytest.fixture
def host(visit):
    return factories.host_contact(visit.host_unit)


def test_it_numbers_revisions_and_keeps_their_facts(visit, host, settings):
    first = upload(visit, V1_DOCX, host)
    second = upload(visit, V2_PDF, host)

    assert (first.number, second.number) == (1, 2)
    second.refresh_from_db()
    assert second.uploaded_by == host
    assert second.original_name == "thanh-binh-draft-v2.pdf"
    assert second.size == V2_PDF.stat().st_size
    assert second.content_type == "application/pdf"
    assert second.text_status == ReportRevision.TextStatus.PENDING
    # Stored under a random name, never the client's.
    assert "thanh-binh" not in second.file.name
    assert second.file.name.startswith(f"reports/visit-{visit.pk}/")
    assert len(stored_files(settings)) == 2
    first.refresh_from_db()
    assert first.state == ReportRevision.State.SUPERSEDED
    assert AuditEvent.objects.filter(action="upload", object_id=str(second.pk)).exists()


def test_it_meets_the_draft_deadline_with_the_first_revision_only(visit, host):
    upload(visit, V1_DOCX, host)
    draft = visit.milestones.get(key="draft_report_due")
    assert draft.done_at is not None
    assert draft.done_by == host
    assert visit.milestones.get(key="final_report_due").done_at is None


def test_it_refuses_a_copy_of_an_earlier_revision_naming_it(visit, host, settings):
    upload(visit, V1_DOCX, host)
    upload(visit, V2_DOCX, host)

    with pytest.raises(DuplicateRevision) as duplicate:
        upload(visit, V1_DOCX, host, name="renamed.docx")

    assert "revision 1" in str(duplicate.value)
    assert visit.report_revisions.count() == 2
    assert len(stored_files(settings)) == 2


def test_it_leaves_no_file_when_the_transaction_fails(visit, host, settings, monkeypatch):
    """GIVEN the audit write fails after the file was stored THEN the file is deleted."""

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("checklists.services.reports.audit_record", broken)

    with pytest.raises(RuntimeError):
        upload(visit, V1_DOCX, host)

    assert ReportRevision.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize("case", sorted(hostile_files()))
def test_it_stores_nothing_for_a_hostile_file(case, visit, host, settings):
    name, content = hostile_files()[case]

    with pytest.raises(UploadRefused):
        report_revision_upload(actor=host, visit=visit, content=io.BytesIO(content), filename=name)

    assert ReportRevision.objects.count() == 0
    assert stored_files(settings) == []


# --- text, coverage, diff ---------------------------------------------------------------


def _ready(revision: ReportRevision) -> ReportRevision:
    return report_revision_extract_text(revision_id=revision.pk)


def test_it_extracts_text_as_a_plain_service_call(visit, host):
    revision = _ready(upload(visit, V1_DOCX, host))

    assert revision.text_status == ReportRevision.TextStatus.READY
    assert revision.text_extracted_at is not None
    assert "I. ĐẶC ĐIỂM TÌNH HÌNH" in revision.text.splitlines()
    assert "468" in revision.text


def test_it_extracts_text_once_however_often_asked(visit, host):
    revision = _ready(upload(visit, V1_DOCX, host))

    again = report_revision_extract_text(revision_id=revision.pk)

    assert again.text_extracted_at == revision.text_extracted_at
    assert AuditEvent.objects.filter(action="text_extracted").count() == 1


def test_it_tolerates_a_missing_revision(db):
    assert report_revision_extract_text(revision_id=987654) is None


def test_it_marks_an_unreadable_file_as_failed_with_the_reason(visit, host):
    revision = upload(visit, V1_DOCX, host)
    # The stored bytes are damaged after the upload (a disk error, say).
    storage = revision.file.storage
    storage.delete(revision.file.name)
    storage.save(revision.file.name, ContentFile(b"PK\x03\x04 not a document"))

    revision = _ready(revision)

    assert revision.text_status == ReportRevision.TextStatus.FAILED
    assert "could not be read" in revision.text_error
    with pytest.raises(TextNotReady, match="could not be extracted"):
        report_revision_coverage(actor=None, revision=revision)


def test_it_lists_revisions_stuck_in_pending_for_the_sweep(visit, host):
    old = upload(visit, V1_DOCX, host)
    upload(visit, V2_DOCX, host)
    ReportRevision.objects.filter(pk=old.pk).update(
        uploaded_at=old.uploaded_at - dt.timedelta(hours=1)
    )

    assert report_revisions_text_stuck(older_than=dt.timedelta(minutes=10)) == [old.pk]


def test_it_says_the_text_is_pending_for_coverage_and_diff(visit, host):
    first = upload(visit, V1_DOCX, host)
    second = _ready(upload(visit, V2_DOCX, host))

    with pytest.raises(TextNotReady, match="still being extracted"):
        report_revision_coverage(actor=None, revision=first)
    with pytest.raises(TextNotReady, match="revision 1 is still being extracted"):
        report_revision_diff(actor=None, revision=second, against=first)


def test_it_finds_sections_i_to_iii_in_revision_1_and_misses_iv_to_vi(visit, host):
    revision = _ready(upload(visit, V1_DOCX, host))

    coverage = report_revision_coverage(actor=None, revision=revision)

    assert [(s.number, s.covered) for s in coverage] == [
        ("I", True),
        ("II", True),
        ("III", True),
        ("IV", False),
        ("V", False),
        ("VI", False),
    ]


@pytest.mark.parametrize("path", [V2_DOCX, V2_PDF, V2_ODT], ids=["docx", "pdf", "odt"])
def test_it_finds_all_six_sections_in_revision_2_in_every_format(path, visit, host):
    revision = _ready(upload(visit, path, host))

    coverage = report_revision_coverage(actor=None, revision=revision)

    assert [s.number for s in coverage if s.covered] == ["I", "II", "III", "IV", "V", "VI"]


def test_it_diffs_revision_2_against_1(visit, host):
    first = _ready(upload(visit, V1_DOCX, host))
    second = _ready(upload(visit, V2_DOCX, host))

    diff = report_revision_diff(actor=None, revision=second, against=first).unified_diff

    removed = [line for line in diff.splitlines() if line.startswith("-")]
    added = [line for line in diff.splitlines() if line.startswith("+")]
    assert diff.startswith("--- revision 1\n+++ revision 2\n")
    assert any("468" in line for line in removed)
    assert any("470" in line for line in added)
    assert not any("470" in line for line in removed)
    for heading in ("IV. Hạn chế, nguyên nhân", "V. Phương hướng, nhiệm vụ, giải pháp"):
        assert f"+{heading}" in added
    assert "+VI. Kiến nghị, đề xuất" in added


@pytest.mark.parametrize(
    "heading",
    [
        "I. ĐẶC ĐIỂM TÌNH HÌNH",
        "i. đặc điểm tình hình",
        "I - Dac diem tinh hinh",
        "Phần I: Đặc điểm tình hình",
        "PHẦN I\nĐẶC ĐIỂM TÌNH HÌNH CHUNG",
        "I. Đặc điểm, tình hình chung của đảng bộ",
        "Đặc điểm tình hình",
    ],
)
def test_it_matches_headings_the_way_people_write_them(heading):
    text = f"BÁO CÁO\n{heading}\nNội dung."
    [coverage] = outline_coverage(text, [SectionRef("I", "Đặc điểm tình hình")])
    assert coverage.covered


@pytest.mark.parametrize(
    "text",
    [
        "II. Đặc điểm tình hình",  # another section's number
        "I. Kết quả thực hiện nhiệm vụ",  # the number with another title
        "Báo cáo nêu rõ đặc điểm tình hình của đảng bộ huyện trong nhiều năm qua và các kết quả",
    ],
)
def test_it_does_not_take_other_lines_for_a_heading(text):
    [coverage] = outline_coverage(text, [SectionRef("I", "Đặc điểm tình hình")])
    assert not coverage.covered


# --- reviews and comments ---------------------------------------------------------------


def test_it_runs_review_rounds_carrying_open_comments_over(visit, host):
    """GIVEN revision 1 reviewed with three comments, one answered and resolved, one
    not accepted WHEN revision 2 arrives THEN only the open one carries over, and
    accepting revision 2 meets the final-report deadline."""
    lead = factories.team_member(visit, role="lead")
    first = upload(visit, V1_DOCX, host)
    review = report_revision_review(
        actor=lead,
        revision=first,
        decision="request_changes",
        comments=[
            CommentInput(text="Bổ sung phần IV", section="iv"),
            CommentInput(
                text="Số 468 chưa khớp",
                section=visit.outline.sections.get(number="III").pk,
            ),
            CommentInput(text="Trình bày chung"),
        ],
    )
    missing, mismatch, general = review.comments.order_by("id")
    assert missing.section.number == "IV"
    assert mismatch.section.number == "III"
    assert general.section is None
    first.refresh_from_db()
    assert first.state == ReportRevision.State.CHANGES_REQUESTED

    report_comment_answer(actor=host, comment=mismatch, response="Đã sửa thành 470.")
    report_comment_set_state(actor=lead, comment=mismatch, state="resolved")
    report_comment_set_state(actor=lead, comment=general, state="not_accepted")
    second = upload(visit, V2_DOCX, host)

    carried = list(second.comments.all())
    assert [(c.text, c.carried_from_id, c.state) for c in carried] == [
        ("Bổ sung phần IV", missing.pk, ReviewComment.State.OPEN)
    ]
    assert carried[0].section.number == "IV"
    mismatch.refresh_from_db()
    assert mismatch.response == "Đã sửa thành 470."
    assert mismatch.responded_by == host

    report_revision_review(actor=lead, revision=second, decision="accept")
    second.refresh_from_db()
    assert second.state == ReportRevision.State.ACCEPTED
    assert visit.milestones.get(key="final_report_due").done_at is not None
    with pytest.raises(TransitionNotAllowed, match="superseded by revision 2"):
        report_revision_review(actor=lead, revision=first, decision="accept")
    with pytest.raises(TransitionNotAllowed, match="already accepted"):
        report_revision_review(actor=lead, revision=second, decision="request_changes")


def test_it_refuses_a_section_of_another_outline(visit, host):
    revision = upload(visit, V1_DOCX, host)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as invalid:
        report_revision_review(
            actor=None,
            revision=revision,
            decision="request_changes",
            comments=[CommentInput(text="?", section="XIV")],
        )

    assert "comments[0].section" in invalid.value.message_dict
    assert revision.reviews.count() == 0


def test_it_gives_the_demo_visit_a_draft_report(db):
    call_command("seed_demo", stdout=io.StringIO())

    visit = Visit.objects.get(code="KT3-QN-2024")
    first, second = visit.report_revisions.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.state == ReportRevision.State.SUPERSEDED
    assert second.state == ReportRevision.State.SUBMITTED
    assert first.reviews.get().decision == "request_changes"
    assert first.comments.count() == 3
    assert first.comments.exclude(response="").count() == 1
    assert second.comments.filter(carried_from__isnull=False).count() == 2
    assert [s.covered for s in report_revision_coverage(actor=None, revision=first)] == [
        True
    ] * 3 + [False] * 3
    assert all(s.covered for s in report_revision_coverage(actor=None, revision=second))
    assert "470" in second.file.open("rb").read().decode("latin-1") or second.size > 0
    # A second run changes nothing.
    call_command("seed_demo", stdout=io.StringIO())
    assert visit.report_revisions.count() == 2


def test_it_builds_distinct_documents_for_tests():
    assert docx_bytes("a") != docx_bytes("b")
