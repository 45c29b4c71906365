"""PDFs of official documents through a real documents worker (SPEC §12): the .docx
goes to the documents queue, a worker process of its own runs LibreOffice, the PDF
comes back through the result backend; a full queue, a wait that runs out and a
worker without LibreOffice answer 503."""

from __future__ import annotations

import time
import uuid

import pytest

from backend.celery import app as celery_app
from checklists.errors import Unavailable
from checklists.services.document_pdf import pdf_from_docx
from tests.checklists.test_pdf_convert import (
    assert_vietnamese_pdf,
    needs_libreoffice,
    vietnamese_docx,
)
from tests.worker.conftest import celery_pointed_at

pytestmark = pytest.mark.slow


def tickets(queue: str) -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.zcard(f"pdf-conversions:{queue}")


def forget_tickets(queue: str) -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.client.delete(f"pdf-conversions:{queue}")


@pytest.fixture(scope="module")
def documents_queue(live_celery):
    """A documents queue of this module's own (parallel runs share one Redis)."""
    queue = f"{live_celery.queue}-documents"
    yield queue
    live_celery.stop_all()
    live_celery.delete_queue(queue)
    forget_tickets(queue)


@pytest.fixture(scope="module")
def documents_worker(live_celery, documents_queue):
    """A worker consuming the documents queue only, as docker-compose's documents-worker."""
    return live_celery.start(
        name="documents", queues=[documents_queue], env={"PDF_QUEUE": documents_queue}
    )


@pytest.fixture
def on_queue(settings):
    def point(queue: str, **more) -> None:
        settings.PDF_QUEUE = queue
        for key, value in more.items():
            setattr(settings, key, value)

    return point


@needs_libreoffice
def test_a_documents_worker_converts_vietnamese_in_liberation_serif(
    documents_worker, documents_queue, on_queue, tmp_path, record_property
):
    on_queue(documents_queue, PDF_WAIT_SECONDS=60)
    timings = []
    for _ in range(2):
        started = time.monotonic()
        pdf = pdf_from_docx(vietnamese_docx(), name="kết luận")
        timings.append(time.monotonic() - started)
        assert_vietnamese_pdf(pdf, tmp_path)
    # The place in the queue is given back once the PDF is made.
    assert tickets(documents_queue) == 0
    # Reported, not asserted (`--junitxml` keeps it): timings belong to `make bench`.
    record_property("pdf_seconds", [round(t, 2) for t in timings])
    assert documents_worker.is_alive()


def test_a_wait_that_runs_out_then_a_full_queue_answer_503(live_celery, on_queue):
    """No worker consumes this queue: the first conversion waits its limit out and
    keeps its place (its task may still run); with a limit of one, the next is
    refused at once, before anything is sent."""
    queue = f"{live_celery.queue}-nobody-{uuid.uuid4().hex[:6]}"
    on_queue(queue, PDF_WAIT_SECONDS=1, PDF_QUEUE_LIMIT=1)
    try:
        with pytest.raises(Unavailable) as waited:
            pdf_from_docx(b"PK", name="x")
        assert waited.value.status == 503 and waited.value.extra["reason"] == "wait"
        assert "within 1 second." in waited.value.message and ".docx" in waited.value.message
        assert tickets(queue) == 1

        started = time.monotonic()
        with pytest.raises(Unavailable) as full:
            pdf_from_docx(b"PK", name="y")
        assert time.monotonic() - started < 1, "a full queue answers without waiting"
        assert full.value.extra["reason"] == "queue_full"
        assert "already waiting" in full.value.message and ".docx" in full.value.message
        assert live_celery_queue_length(queue) == 1, "the refused conversion was not sent"
    finally:
        live_celery.delete_queue(queue)
        forget_tickets(queue)


def test_places_in_the_queue_lapse_by_themselves(live_celery, on_queue):
    """A ticket whose worker died is not a place lost for good: it lapses at the time
    the conversion would surely be over (wait plus conversion limit)."""
    queue = f"{live_celery.queue}-lapse-{uuid.uuid4().hex[:6]}"
    on_queue(queue, PDF_WAIT_SECONDS=1, PDF_QUEUE_LIMIT=1, PDF_CONVERT_TIMEOUT=1)
    try:
        with pytest.raises(Unavailable):
            pdf_from_docx(b"PK", name="x")
        with pytest.raises(Unavailable) as full:
            pdf_from_docx(b"PK", name="y")
        assert full.value.extra["reason"] == "queue_full"
        time.sleep(1.5)
        with pytest.raises(Unavailable) as waited:
            pdf_from_docx(b"PK", name="z")
        assert waited.value.extra["reason"] == "wait", "the lapsed place was taken again"
    finally:
        live_celery.delete_queue(queue)
        forget_tickets(queue)


def test_a_worker_without_libreoffice_answers_503(live_celery, on_queue, tmp_path):
    queue = f"{live_celery.queue}-bare"
    worker = live_celery.start(
        name="bare",
        queues=[queue],
        env={"PDF_QUEUE": queue, "SOFFICE_BINARY": str(tmp_path / "no-soffice")},
    )
    on_queue(queue, PDF_WAIT_SECONDS=30)
    try:
        with pytest.raises(Unavailable) as caught:
            pdf_from_docx(vietnamese_docx(), name="x")
        assert caught.value.extra["reason"] == "missing"
        assert "LibreOffice is not installed" in caught.value.message
        assert ".docx" in caught.value.message
        assert tickets(queue) == 0
    finally:
        worker.stop()
        live_celery.delete_queue(queue)
        forget_tickets(queue)


def test_a_broker_that_is_down_answers_503_at_once():
    with celery_pointed_at("redis://127.0.0.1:9/0"):
        started = time.monotonic()
        with pytest.raises(Unavailable) as caught:
            pdf_from_docx(b"PK", name="x")
        assert time.monotonic() - started < 10
    assert caught.value.extra["reason"] == "queue_unreachable"
    assert "unreachable" in caught.value.message and ".docx" in caught.value.message


def live_celery_queue_length(queue: str) -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)
