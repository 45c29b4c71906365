"""Spreadsheet imports too large for a request (checklists.services.import_jobs):
thin, one service. No retries: the job is claimed once, and a failure is kept
on it for the person to read, not tried again behind their back."""

from __future__ import annotations

from celery import shared_task

from checklists.services.import_jobs import import_job_run as run_service
from checklists.services.import_jobs import import_job_sweep as sweep_service

__all__: list[str] = ["import_job_run", "import_job_sweep"]


@shared_task(name="worker.import_job_run", ignore_result=True)
def import_job_run(job_id: int) -> str:
    """Run one queued import; a job already taken or gone is a no-op."""
    return run_service(job_id=job_id)


@shared_task(name="worker.import_job_sweep", ignore_result=True)
def import_job_sweep() -> int:
    """One pass; nothing to retry: the next pass does the same."""
    found = sweep_service()
    return len(found["requeued"]) + len(found["failed"])
