"""Import jobs through the API (SPEC §5 "imports"): a file over IMPORT_INLINE_ROWS
answers 202 with the job, `imports/{id}/` shows it to the person who asked and
coordinators in scope only; a smaller file answers as before. The worker's run
is tested in tests/worker/test_import_jobs.py."""

from __future__ import annotations

import pytest

from checklists.models import ImportJob, Unit
from checklists.services.import_jobs import import_job_run
from tests.spreadsheets import csv_bytes, upload, with_macros, xlsx

UNITS = "/api/v1/units/import/"
HEADER = ["code", "name", "kind", "parent"]


@pytest.fixture
def small_threshold(settings, tmp_path):
    settings.IMPORT_INLINE_ROWS = 2
    settings.MEDIA_ROOT = tmp_path


def units_file(count: int, *, parent: str = "quang-ninh") -> bytes:
    return csv_bytes(
        [HEADER] + [[f"xa-{i}", f"Xã {i}", "grassroots", parent] for i in range(count)]
    )


def submit(client_for, role: str = "coordinator_in", content: bytes | None = None):
    return client_for(role).post(
        UNITS, {"file": upload(content or units_file(3), "units.csv")}, format="multipart"
    )


def test_a_file_over_the_threshold_answers_202_with_the_job(client_for, world, small_threshold):
    response = submit(client_for)
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/imports/{job.pk}/"
    assert response.json()["state"] == "queued" and response.json()["kind"] == "units"
    assert (job.requested_by, job.rows_total) == (world.people.coordinator_in, 3)
    assert not Unit.objects.filter(code="xa-0").exists()


def test_a_file_at_the_threshold_still_answers_at_once(client_for, world, small_threshold):
    response = submit(client_for, content=units_file(2))
    assert response.status_code == 201 and response.json()["created"] == 2
    assert not ImportJob.objects.exists()


def test_a_hostile_file_is_refused_in_the_request_and_nothing_is_stored(
    client_for, world, small_threshold
):
    hostile = with_macros(
        xlsx([HEADER] + [[f"x{i}", "X", "district", "quang-ninh"] for i in range(5)])
    )
    response = submit(client_for, content=hostile)
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_who_may_not_import_is_refused_before_a_job_is_stored(client_for, world, small_threshold):
    assert submit(client_for, "lead").status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("coordinator_in", 200),  # who asked
        ("coordinator_all", 200),  # a coordinator of everything
        ("coordinator_out", 404),  # another province's coordinator
        ("lead", 404),
        ("member", 404),
        ("host_in", 404),
        ("anonymous", 404),
    ],
)
def test_only_who_asked_and_coordinators_in_scope_see_the_job(
    client_for, world, small_threshold, role, status
):
    job_id = submit(client_for).json()["id"]
    response = client_for(role).get(f"/api/v1/imports/{job_id}/")
    assert response.status_code in ((status,) if role != "anonymous" else (401, 403, 404))
    if status == 200:
        assert response.json()["id"] == job_id


def test_the_failed_job_shows_the_rows_as_the_synchronous_400_does(
    client_for, world, small_threshold
):
    synchronous = submit(client_for, content=units_file(2, parent="no-such-unit"))
    assert synchronous.status_code == 400
    job_id = submit(client_for, content=units_file(3, parent="no-such-unit")).json()["id"]
    # The worker's service, called here: what it keeps is what GET shows.
    assert import_job_run(job_id=job_id) == "failed"
    assert import_job_run(job_id=job_id) == "not-claimed"
    # The stored file is gone once the job is done; its errors stay.
    assert ImportJob.objects.get(pk=job_id).file.name == ""
    body = client_for("coordinator_in").get(f"/api/v1/imports/{job_id}/").json()
    assert body["state"] == "failed"
    assert [(row["row"], row["column"]) for row in body["rows"]] == [
        (2, "parent"),
        (3, "parent"),
        (4, "parent"),
    ]
    assert body["rows"][:2] == synchronous.json()["rows"]
    assert not Unit.objects.filter(code__startswith="xa-").exists()
