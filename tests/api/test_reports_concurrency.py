"""Simultaneous uploads through a real server: revision numbers never repeat or skip."""

from __future__ import annotations

import contextlib
import json
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from django.db import connection
from kombu import Exchange, Queue

from api.models import ApiToken
from backend.celery import app as celery_app
from checklists.models.reports import ReportRevision
from tests.api.test_reports_api import multipart
from tests.checklists.test_reports_uploads import docx_bytes
from tests.worker.conftest import broker_for_tests, celery_pointed_at

UPLOADS = 20


@contextlib.contextmanager
def private_queue():
    """The extraction tasks the uploads enqueue go to a queue of this test's own on
    a real broker, deleted afterwards (no worker consumes it here)."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    with broker_for_tests() as url, celery_pointed_at(url, queue=name):
        try:
            yield
        finally:
            queue = Queue(name, Exchange(name), routing_key=name)
            with celery_app.connection_for_write() as conn:
                bound = queue(conn.default_channel)
                bound.declare()
                bound.delete()


def _post(url: str, token: str, index: int, barrier: threading.Barrier, results: list) -> None:
    body, content_type = multipart(f"du-thao-{index}.docx", docx_bytes(f"Bản số {index}"))
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
    )
    barrier.wait()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            results.append((response.status, json.loads(response.read())))
    except urllib.error.HTTPError as error:
        results.append((error.code, json.loads(error.read() or b"{}")))


@pytest.mark.django_db(transaction=True)
def test_it_numbers_20_simultaneous_uploads_1_to_20(world, live_server):
    """GIVEN 20 clients WHEN they post different files at the same moment THEN the
    revisions are numbered 1 to 20, each once, and only the last is current."""
    _token, raw = ApiToken.issue(world.people.host_in)
    url = f"{live_server.url}/api/v1/visits/{world.visit.pk}/reports/"
    barrier = threading.Barrier(UPLOADS)
    results: list = []  # list.append is atomic: the threads share it safely
    threads = [
        threading.Thread(target=_post, args=(url, raw, i, barrier, results)) for i in range(UPLOADS)
    ]

    concurrent = connection.vendor == "postgresql"
    with private_queue():
        if concurrent:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        else:
            # SQLite, honestly: for an in-memory test database Django hands the
            # live server's threads the test's own connection, so simultaneous
            # requests would share one transaction and break each other (and the
            # tests after them) — a harness artefact, not the product's
            # behaviour. There, writers are serialised by BEGIN IMMEDIATE (see the
            # assertion below), so the requests go one after another.
            assert connection.settings_dict["OPTIONS"].get("transaction_mode") == "IMMEDIATE"
            barrier = threading.Barrier(1)
            for index in range(UPLOADS):
                _post(url, raw, index, barrier, results)

    statuses = sorted(status for status, _body in results)
    numbers = sorted(
        ReportRevision.objects.filter(visit=world.visit).values_list("number", flat=True)
    )
    assert statuses == [201] * UPLOADS, results
    assert numbers == list(range(1, UPLOADS + 1))
    assert sorted(body["number"] for _status, body in results) == numbers
    current = ReportRevision.objects.filter(visit=world.visit).exclude(state="superseded")
    assert list(current.values_list("number", flat=True)) == [numbers[-1]]
