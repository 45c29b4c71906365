"""Text extraction of draft reports by a real Celery worker process."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.core.files.base import ContentFile

from checklists.models.reports import ReportRevision, RevisionComparison
from checklists.services.reports import (
    report_revision_coverage,
    report_revision_diff,
    report_revision_upload,
)
from tests.checklists.test_reports_revisions import real_plan10_visit
from tests.checklists.test_reports_uploads import V1_DOCX, V2_DOCX, V2_ODT
from tests.factories import host_contact
from worker.report_tasks import report_extract_text as report_extract_text_task
from worker.report_tasks import report_text_sweep as report_text_sweep_task

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("report-media")


@pytest.fixture(scope="module")
def report_worker(live_celery, media_root):
    """A worker that reads the files this module's tests store."""
    return live_celery.start(name="reports", env={"MEDIA_ROOT": str(media_root)})


@pytest.fixture
def uploaded(live_celery, report_worker, media_root, settings):
    live_celery.require_shared_database()
    settings.MEDIA_ROOT = media_root
    visit = real_plan10_visit()
    host = host_contact(visit.host_unit)

    def upload(path) -> ReportRevision:
        return report_revision_upload(
            actor=host, visit=visit, content=io.BytesIO(path.read_bytes()), filename=path.name
        )

    return upload


def wait_for_text(revision: ReportRevision) -> ReportRevision:
    """Poll the row until the worker has written it (a bound on waiting, not a timing check)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        revision.refresh_from_db()
        if revision.text_status != ReportRevision.TextStatus.PENDING:
            return revision
        time.sleep(0.2)
    raise AssertionError(f"revision {revision.pk} still pending after {WAIT_SECONDS}s")


def test_it_extracts_the_text_of_an_upload_in_the_worker(uploaded, report_worker):
    revision = wait_for_text(uploaded(V1_DOCX))

    assert revision.text_status == ReportRevision.TextStatus.READY, revision.text_error
    assert "468" in revision.text
    assert [s.covered for s in report_revision_coverage(actor=None, revision=revision)] == [
        True
    ] * 3 + [False] * 3


def wait_for_comparison(revision: ReportRevision, against: ReportRevision) -> RevisionComparison:
    """Poll until the worker has kept the pair's comparison (written just after the text)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        kept = RevisionComparison.objects.filter(revision=revision, against=against).first()
        if kept is not None:
            return kept
        time.sleep(0.2)
    raise AssertionError(f"no comparison of {revision.pk} with {against.pk} after {WAIT_SECONDS}s")


def test_it_compares_a_revision_with_the_previous_one_in_the_worker(uploaded, monkeypatch):
    """GIVEN revisions 1 and 2 uploaded WHEN the worker has extracted both texts THEN
    it has kept revision 2's comparison with revision 1, which the diff reads
    without computing it again."""
    first = wait_for_text(uploaded(V1_DOCX))
    second = wait_for_text(uploaded(V2_DOCX))
    assert second.text_status == ReportRevision.TextStatus.READY, second.text_error

    kept = wait_for_comparison(second, first)

    assert [s["number"] for s in kept.result["sections"]] == [
        None,
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
    ]
    assert kept.inserted > 100 and kept.deleted >= 1
    monkeypatch.setattr(
        "checklists.services.report_comparisons.compare_texts",
        lambda *args: pytest.fail("the kept comparison was computed again"),
    )
    diff = report_revision_diff(actor=None, revision=second, against=first)
    assert (diff.inserted, diff.deleted) == (kept.inserted, kept.deleted)
    assert RevisionComparison.objects.count() == 1


def test_it_extracts_odt_in_the_worker(uploaded):
    revision = wait_for_text(uploaded(V2_ODT))

    assert revision.text_status == ReportRevision.TextStatus.READY, revision.text_error
    assert "VI. Kiến nghị, đề xuất" in revision.text.splitlines()


def test_it_shows_a_failed_extraction(uploaded, monkeypatch):
    """GIVEN a stored file damaged before the worker reads it THEN the revision is
    marked failed with the reason, not left pending."""
    monkeypatch.setattr("checklists.services.reports._enqueue_extraction", lambda pk: None)
    revision = uploaded(V1_DOCX)
    storage = revision.file.storage
    storage.delete(revision.file.name)
    storage.save(revision.file.name, ContentFile(b"PK\x03\x04 damaged"))

    assert report_extract_text_task.delay(revision.pk).get(timeout=WAIT_SECONDS) == "failed"

    revision.refresh_from_db()
    assert revision.text_status == ReportRevision.TextStatus.FAILED
    assert revision.text_error


def test_it_recovers_a_lost_task_with_the_sweep(uploaded, monkeypatch):
    """GIVEN an upload whose task was lost (never reached the broker) WHEN the
    sweep runs THEN it sends the task again and the text arrives."""
    monkeypatch.setattr("checklists.services.reports._enqueue_extraction", lambda pk: None)
    revision = uploaded(V1_DOCX)
    ReportRevision.objects.filter(pk=revision.pk).update(
        uploaded_at=revision.uploaded_at - dt.timedelta(hours=1)
    )

    # The beat runs the sweep in a worker; run here, it sends the task to this
    # module's queue (a worker's own sends go to the default queue, which no
    # test worker consumes).
    swept = report_text_sweep_task.apply().get()

    assert swept == [revision.pk]
    assert wait_for_text(revision).text_status == ReportRevision.TextStatus.READY


def test_it_tolerates_a_deleted_revision(live_celery, report_worker):
    live_celery.require_shared_database()

    assert report_extract_text_task.delay(987_654_321).get(timeout=WAIT_SECONDS) is None
