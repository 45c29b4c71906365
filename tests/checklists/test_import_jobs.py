"""The import jobs' periodic pass (checklists.services.import_jobs.import_job_sweep):
a queued job whose task Redis lost is enqueued again; a job whose worker died
mid-import is failed, its file removed. The worker itself: tests/worker/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from checklists.models import ImportJob
from checklists.services.import_jobs import import_job_run, import_job_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_of(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def make(state: str, *, age: dt.timedelta) -> ImportJob:
        job = ImportJob(kind="units", requested_by=world.people.coordinator_in, state=state)
        job.file.save("import", ContentFile(b"code,name,kind\n"), save=False)
        job.save()
        then = timezone.now() - age
        ImportJob.objects.filter(pk=job.pk).update(created_at=then, started_at=then)
        return job

    return make


def test_a_job_queued_too_long_is_enqueued_again_and_a_dead_one_failed(
    job_of, monkeypatch, settings
):
    enqueued: list[int] = []
    monkeypatch.setattr("checklists.services.import_jobs._enqueue", enqueued.append)
    settings.IMPORT_JOB_REQUEUE_AFTER_SECONDS = 300
    settings.IMPORT_JOB_STALE_AFTER_SECONDS = 3600
    lost = job_of("queued", age=dt.timedelta(minutes=10))
    fresh = job_of("queued", age=dt.timedelta(seconds=5))
    dead = job_of("running", age=dt.timedelta(hours=2))
    busy = job_of("running", age=dt.timedelta(minutes=1))
    assert import_job_sweep() == {"requeued": [lost.pk], "failed": [dead.pk]}
    assert enqueued == [lost.pk]
    dead.refresh_from_db()
    assert dead.state == "failed" and dead.errors and dead.file.name == ""
    assert {job.state for job in (fresh, busy)} == {"queued", "running"}
    # A second task for a job already taken does nothing.
    assert import_job_run(job_id=busy.pk) == "not-claimed"
