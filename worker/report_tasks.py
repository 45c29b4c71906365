"""Celery tasks for reports: text extraction of uploaded revisions, and its sweep."""

from __future__ import annotations

from celery import shared_task

from checklists.services.reports import (
    TransientStorageError,
    report_revision_extract_text,
    report_revision_text_failed,
    report_revisions_text_stuck,
    revision_comparisons_missing,
)

__all__: list[str] = ["report_extract_text", "report_text_sweep"]

EXTRACT_MAX_RETRIES = 5


@shared_task(name="worker.report_extract_text", bind=True, max_retries=EXTRACT_MAX_RETRIES)
def report_extract_text(self, revision_id: int) -> str | None:
    """Extract one revision's text. Thin: the service does the work and tolerates a
    missing row; only a storage error that may pass is retried, with back-off, and
    after the last try the revision is marked failed so that people see it."""
    try:
        revision = report_revision_extract_text(revision_id=revision_id)
    except TransientStorageError as exc:
        if self.request.retries >= EXTRACT_MAX_RETRIES:
            report_revision_text_failed(revision_id=revision_id, error=str(exc))
            return "failed"
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
    return revision.text_status if revision is not None else None


@shared_task(name="worker.report_text_sweep")
def report_text_sweep() -> list[int]:
    """Send again the extraction of revisions pending for too long (a lost task:
    the broker restarted, or the enqueue after commit failed), and keep the
    comparisons with the previous revision that a stopped worker missed."""
    ids = report_revisions_text_stuck()
    for revision_id in ids:
        report_extract_text.delay(revision_id)
    revision_comparisons_missing()
    return ids
