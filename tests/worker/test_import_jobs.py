"""Imports too large for a request, run by a real Celery worker process
(checklists.services.import_jobs): the job succeeds with its counts, or fails
with the per-row errors of the synchronous 400 and nothing saved."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from checklists.models import AuditEvent, ImportJob, Invitation, Unit, User
from checklists.services.import_jobs import import_submit
from tests.spreadsheets import csv_bytes, upload

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 120
UNIT_HEADER = ["code", "name", "kind", "parent"]


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("import-media")


@pytest.fixture(scope="module")
def import_worker(live_celery, media_root):
    """A worker that reads the files this module's tests store."""
    return live_celery.start(name="imports", env={"MEDIA_ROOT": str(media_root)})


@pytest.fixture
def worker_ready(live_celery, import_worker, media_root, settings):
    live_celery.require_shared_database()
    settings.MEDIA_ROOT = media_root
    settings.IMPORT_INLINE_ROWS = 2_000


def finished(job: ImportJob) -> ImportJob:
    """Poll the row until the worker has written it (a bound on waiting, not a timing check)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (ImportJob.State.SUCCEEDED, ImportJob.State.FAILED):
            return job
        time.sleep(0.2)
    raise TimeoutError(f"import job {job.pk} still {job.state}")


def unit_rows(count: int, *, bad_row: int | None = None) -> list[list[str]]:
    rows = [UNIT_HEADER]
    for index in range(count):
        kind = "village" if index + 2 == bad_row else "grassroots"
        rows.append([f"xa-{index}", f"Xã {index}", kind, "quang-ninh"])
    return rows


def test_a_large_units_file_is_imported_by_the_worker(world, worker_ready):
    client = APIClient()
    client.force_authenticate(world.people.coordinator_in)
    response = client.post(
        "/api/v1/units/import/",
        {"file": upload(csv_bytes(unit_rows(3_000)), "units.csv")},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "queued" and body["rows_total"] == 3_000
    assert response["Location"].endswith(f"/api/v1/imports/{body['id']}/")
    job = finished(ImportJob.objects.get(pk=body["id"]))
    assert (job.state, job.created, job.updated, job.rows) == ("succeeded", 3_000, 0, [])
    assert Unit.objects.filter(code__startswith="xa-", parent=world.province_in).count() == 3_000
    assert Unit.objects.get(code="xa-2999").is_within(world.province_in)
    assert AuditEvent.objects.filter(object_type="unit", action="create").count() >= 3_000
    followed = client.get(f"/api/v1/imports/{job.pk}/").json()
    assert (followed["state"], followed["created"]) == ("succeeded", 3_000)


def test_a_bad_row_fails_the_job_with_its_row_and_column_and_saves_nothing(world, worker_ready):
    before = (Unit.objects.count(), AuditEvent.objects.count())
    outcome = import_submit(
        actor=world.people.coordinator_in,
        kind="units",
        upload=csv_bytes(unit_rows(2_500, bad_row=2_345)),
    )
    assert outcome.job is not None and outcome.result is None
    job = finished(outcome.job)
    assert job.state == "failed" and job.created == 0
    assert [(row["row"], row["column"]) for row in job.rows] == [(2_345, "kind")]
    assert "village" in job.rows[0]["message"] and len(job.errors) == 1
    assert (Unit.objects.count(), AuditEvent.objects.count()) == before


def test_people_imported_by_the_worker_are_invited_after_it_commits(world, worker_ready):
    rows = [["username", "full_name", "email", "host_unit"]]
    rows += [[f"nguoi-{i}", f"Người {i}", f"nguoi{i}@example.vn", "ha-long"] for i in range(2_100)]
    outcome = import_submit(actor=world.people.coordinator_in, kind="users", upload=csv_bytes(rows))
    assert outcome.job is not None
    # Nothing exists before the worker has run the import.
    assert not User.objects.filter(username="nguoi-0").exists()
    job = finished(outcome.job)
    assert (job.state, job.created) == ("succeeded", 2_100)
    people = User.objects.filter(username__startswith="nguoi-")
    assert people.count() == 2_100
    assert Invitation.objects.filter(user__in=people).count() == 2_100


def test_the_job_is_run_in_the_language_of_who_asked(world, worker_ready):
    world.people.coordinator_in.language = "en"
    world.people.coordinator_in.save(update_fields=["language"])
    outcome = import_submit(
        actor=world.people.coordinator_in,
        kind="units",
        upload=csv_bytes(unit_rows(2_001, bad_row=5)),
    )
    assert outcome.job is not None
    job = finished(outcome.job)
    assert job.state == "failed"
    assert job.rows[0]["row"] == 5 and "is not one of" in job.rows[0]["message"]
