"""Implementation reports, their evidence files and the verdict (SPEC §11), at the
service: what is stored, the recommendation's states, the conflicts, and that a
refused request leaves nothing behind (no row, no file)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

from checklists import limits
from checklists.errors import Conflict, TooLarge
from checklists.models import EvidenceFile, ImplementationReport, Recommendation
from checklists.services.conclusions import conclusion_issue, conclusion_withdraw
from checklists.services.implementation_reports import (
    EvidenceUpload,
    implementation_report_submit,
    implementation_report_verdict,
)
from checklists.services.recommendations import recommendation_cancel
from checklists.uploads import JPEG, PNG, XLSX
from tests.checklists.test_reports_uploads import docx_bytes
from tests.evidence_files import (
    ARTIST,
    GPS_IFD,
    MAKE,
    jpeg_bytes,
    png_bomb_header,
    png_bytes,
    xlsm_bytes,
    xlsx_bytes,
    xlsx_with_external_link,
)


@pytest.fixture
def issued(outcome):
    conclusion_issue(actor=None, visit=outcome.visit)
    outcome.kn01 = Recommendation.objects.get(code="KN-01")
    outcome.kn02 = Recommendation.objects.get(code="KN-02")
    return outcome


def _files(*pairs: tuple[str, bytes]) -> list[EvidenceUpload]:
    return [EvidenceUpload(io.BytesIO(data), name) for name, data in pairs]


def _submit(rec, *, actor=None, text="Đã khắc phục", progress=40, files=()):
    return implementation_report_submit(
        actor=actor, recommendation=rec, text=text, progress=progress, files=list(files)
    )


def _stored_files() -> list[Path]:
    # Evidence files only: the conclusion's issued copy lies under documents/.
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _nothing_written() -> None:
    assert ImplementationReport.objects.count() == 0
    assert EvidenceFile.objects.count() == 0
    assert _stored_files() == []


# --- evidence files ---------------------------------------------------------------------


def test_it_stores_a_workbook_as_sent_recognised_by_content(issued):
    data = xlsx_bytes()
    report = _submit(issued.kn02, actor=issued.people.addressee, files=_files(("sl.xlsx", data)))
    evidence = report.files.get()
    assert evidence.content_type == XLSX and evidence.original_name == "sl.xlsx"
    with evidence.file.open("rb") as stored:
        assert stored.read() == data
    assert evidence.size == len(data)


@pytest.mark.parametrize(("make", "kind"), [(jpeg_bytes, JPEG), (png_bytes, PNG)])
def test_it_stores_images_without_their_metadata(issued, make, kind):
    """GIVEN a photo carrying EXIF (GPS, camera, author, rotation), a comment or
    text chunks WHEN it is attached THEN the stored image has none of them, stands
    upright, and its size and SHA-256 are those of the stored bytes."""
    import hashlib

    report = _submit(issued.kn02, files=_files(("anh.bin", make())))
    evidence = report.files.get()
    with evidence.file.open("rb") as handle:
        stored = handle.read()
    assert evidence.content_type == kind
    assert evidence.size == len(stored)
    assert evidence.sha256 == hashlib.sha256(stored).hexdigest()
    image = Image.open(io.BytesIO(stored))
    exif = image.getexif()
    assert MAKE not in exif and ARTIST not in exif and not exif.get_ifd(GPS_IFD)
    assert b"Nguy" not in stored and b"PhoneMaker" not in stored and b"secret" not in stored
    # The EXIF rotation is applied to the pixels: a 40×20 photo rotated 90° stands 20×40.
    original = Image.open(io.BytesIO(make()))
    assert image.size == (original.size[1], original.size[0])


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("macro.xlsm", xlsm_bytes(), "macros"),
        ("lien-ket.xlsx", xlsx_with_external_link(), "workbook_link"),
        ("anh.jpg", b"This is text, not a photo.", "unsupported_type"),
        ("anh.png", b"MZ\x90\x00" + b"\0" * 200, "unsupported_type"),
        ("vo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64, "corrupt"),
        ("bom.png", png_bomb_header(8_000, 8_000), "image_too_large"),
        ("rong.pdf", b"", "empty"),
    ],
)
def test_it_refuses_unsafe_or_disguised_files_and_keeps_nothing(issued, name, data, code):
    with pytest.raises(ValidationError) as caught:
        _submit(issued.kn02, files=_files(("ok.xlsx", xlsx_bytes()), (name, data)))
    message = " ".join(caught.value.message_dict["files"])
    assert message.startswith(f"{name}:")
    _nothing_written()
    assert Recommendation.objects.get(pk=issued.kn02.pk).state == "open"


def test_it_judges_a_file_by_content_not_by_its_name(issued):
    report = _submit(issued.kn02, files=_files(("bang-tinh.png", docx_bytes("Báo cáo"))))
    assert report.files.get().content_type.endswith("wordprocessingml.document")


def test_it_refuses_more_files_than_a_report_takes(issued):
    files = [(f"{n}.xlsx", xlsx_bytes([[n]])) for n in range(limits.MAX_EVIDENCE_FILES + 1)]
    with pytest.raises(ValidationError) as caught:
        _submit(issued.kn02, files=_files(*files))
    assert "files" in caught.value.message_dict
    _nothing_written()


def test_it_refuses_a_file_over_the_size_limit(issued, settings):
    settings.REPORT_MAX_BYTES = 2048
    with pytest.raises(TooLarge) as caught:
        _submit(issued.kn02, files=_files(("lon.xlsx", xlsx_bytes())))
    assert "lon.xlsx" in str(caught.value)
    _nothing_written()


def test_it_refuses_files_too_large_together(issued, monkeypatch):
    monkeypatch.setattr("checklists.services.implementation_reports.MAX_EVIDENCE_TOTAL_BYTES", 6000)
    with pytest.raises(TooLarge):
        _submit(
            issued.kn02, files=_files(("a.xlsx", xlsx_bytes([[1]])), ("b.xlsx", xlsx_bytes([[2]])))
        )
    _nothing_written()


def test_it_refuses_the_same_file_twice_in_one_report(issued):
    data = xlsx_bytes()
    with pytest.raises(ValidationError):
        _submit(issued.kn02, files=_files(("a.xlsx", data), ("b.xlsx", data)))
    _nothing_written()


@pytest.mark.parametrize(
    ("text", "progress", "field"),
    [("", 10, "text"), ("x", -1, "progress"), ("x", 101, "progress"), ("x", True, "progress")],
)
def test_it_refuses_bad_text_or_progress(issued, text, progress, field):
    with pytest.raises(ValidationError) as caught:
        _submit(issued.kn02, text=text, progress=progress)
    assert field in caught.value.message_dict
    _nothing_written()


# --- states ---------------------------------------------------------------------------


def test_it_moves_the_recommendation_through_report_and_verdict(issued):
    rec = issued.kn02
    first = _submit(rec, actor=issued.people.addressee, progress=40)
    rec.refresh_from_db()
    assert (rec.state, rec.progress) == ("reported", 40)
    with pytest.raises(Conflict):
        _submit(rec, progress=50)  # one report waits for its verdict at a time
    with pytest.raises(ValidationError) as caught:
        implementation_report_verdict(actor=issued.people.lead, report=first, verdict="returned")
    assert "verdict_note" in caught.value.message_dict
    implementation_report_verdict(
        actor=issued.people.lead, report=first, verdict="returned", verdict_note="Thiếu hồ sơ"
    )
    rec.refresh_from_db()
    assert rec.state == "open"
    first.refresh_from_db()
    assert (first.verdict, first.verdict_by, first.verdict_note) == (
        "returned",
        issued.people.lead,
        "Thiếu hồ sơ",
    )
    with pytest.raises(Conflict):  # one verdict per report
        implementation_report_verdict(actor=None, report=first, verdict="accepted")
    second = _submit(rec, actor=issued.people.addressee, progress=100)
    implementation_report_verdict(actor=issued.people.deputy, report=second, verdict="accepted")
    rec.refresh_from_db()
    assert (rec.state, rec.progress) == ("done", 100)
    with pytest.raises(Conflict):
        _submit(rec, progress=100)


def test_it_gives_no_verdict_on_a_cancelled_recommendation(issued):
    report = _submit(issued.kn01)
    recommendation_cancel(actor=None, recommendation=issued.kn01, cancel_reason="Không còn")
    with pytest.raises(Conflict):
        implementation_report_verdict(actor=None, report=report, verdict="accepted")
    assert ImplementationReport.objects.get(pk=report.pk).verdict == "pending"


def test_it_refuses_a_report_on_a_draft_or_cancelled_recommendation(outcome):
    draft = Recommendation.objects.get(code="KN-01")
    with pytest.raises(Conflict):
        _submit(draft)
    conclusion_issue(actor=None, visit=outcome.visit)
    draft.refresh_from_db()
    recommendation_cancel(actor=None, recommendation=draft, cancel_reason="Không còn")
    with pytest.raises(Conflict):
        _submit(draft)
    _nothing_written()


def test_it_keeps_a_waiting_report_waiting_across_a_withdrawal(issued):
    report = _submit(issued.kn02)
    conclusion_withdraw(actor=None, visit=issued.visit, reason="Sai số liệu")
    with pytest.raises(Conflict):  # a draft recommendation takes no verdict
        implementation_report_verdict(actor=None, report=report, verdict="accepted")
    conclusion_issue(actor=None, visit=issued.visit)
    assert Recommendation.objects.get(pk=issued.kn02.pk).state == "reported"
    implementation_report_verdict(actor=None, report=report, verdict="accepted")
    assert Recommendation.objects.get(pk=issued.kn02.pk).state == "done"


def test_it_gives_the_demo_conclusion_two_reported_recommendations(db):
    """GIVEN the demo data WHEN it is loaded (twice) THEN Quảng Ninh's five
    recommendations are: KN-01 overdue, KN-02 reported with a PNG, KN-04 reported
    without files, the others open; nothing is added by the second run."""
    from django.core.management import call_command
    from django.utils import timezone

    call_command("seed_demo", stdout=io.StringIO())
    rows = {
        r.code: r
        for r in Recommendation.objects.filter(visit__code="KT3-QN-2024").prefetch_related(
            "reports__files"
        )
    }
    assert sorted(rows) == ["KN-01", "KN-02", "KN-03", "KN-04", "KN-05"]
    states = {code: r.state for code, r in rows.items()}
    assert states == {
        "KN-01": "open",
        "KN-02": "reported",
        "KN-03": "open",
        "KN-04": "reported",
        "KN-05": "open",
    }
    assert [c for c, r in rows.items() if r.overdue_on(timezone.localdate())] == ["KN-01"]
    (evidence,) = rows["KN-02"].reports.get().files.all()
    assert evidence.content_type == PNG and evidence.original_name.endswith(".png")
    assert Image.open(evidence.file.open("rb")).size == (240, 320)
    assert rows["KN-04"].reports.get().progress == 60
    call_command("seed_demo", stdout=io.StringIO())
    assert ImplementationReport.objects.count() == 2
