"""The PDF of an official document (SPEC §12): `pdf_from_docx`, for the `.pdf` paths.

The web process never runs LibreOffice itself: it sends the .docx to the documents
queue, where a worker of its own (concurrency 1, docker-compose's documents-worker)
converts one at a time, so a conversion never waits behind reminder passes and a
long one never starves them. The web waits PDF_WAIT_SECONDS for the answer.

The PDF comes back through Celery's result backend, which the project already has
(Redis, the broker's database): nothing else to configure, it is keyed by the task
id, and entries expire by themselves (CELERY_RESULT_EXPIRES) when the web gave up
waiting. The answer is forgotten as soon as it is read. Results are JSON, so the
PDF travels base64-encoded (a document's PDF is tens of KB).

The queue is bounded: every conversion holds a ticket in a Redis sorted set, scored
with the time by which it is surely over (wait plus conversion limit), so a ticket
whose worker died or whose message was lost lapses by itself instead of leaking a
place. The check and the take are one Lua script: two web processes never both take
the last place. A task that starts after its web request gave up is dropped unrun
(`expires`), so a burst of impatient requests does not convert for nobody.

Where the queue is not used (CELERY_TASK_ALWAYS_EAGER: `seed_demo`, some tests),
the conversion runs in this process and no ticket is taken.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from celery import current_app
from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.utils.translation import gettext, ngettext
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from checklists.documents.pdf import MISSING, TIMEOUT, PdfConversionError, convert_docx_to_pdf
from checklists.errors import Unavailable

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2

_TAKE_TICKET = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def _docx_still_works() -> str:
    return gettext("The .docx of the same document can be downloaded as usual.")


def _unavailable(reason: str, message: str) -> Unavailable:
    return Unavailable(f"{message} {_docx_still_works()}", code=f"pdf_{reason}", reason=reason)


def _conversion_refusal(error: PdfConversionError) -> Unavailable:
    if error.reason == MISSING:
        return _unavailable(
            "missing", gettext("PDF is not available: LibreOffice is not installed on the server.")
        )
    if error.reason == TIMEOUT:
        return _unavailable(
            "timeout",
            gettext("PDF is not available: LibreOffice did not finish the conversion in time."),
        )
    return _unavailable(
        "failed", gettext("PDF is not available: LibreOffice could not convert this document.")
    )


def _tickets_key() -> str:
    return f"pdf-conversions:{settings.PDF_QUEUE}"


@contextlib.contextmanager
def _redis() -> Iterator[Any]:
    # The broker's own client (redis:// or the embedded server's redis+socket://).
    with current_app.connection_for_write() as connection:
        # A broker that is down answers now, not after kombu's retries (~20 s).
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        channel: Any = connection.default_channel
        yield channel.client


def _take_ticket(ticket: str) -> None:
    now = time.time()
    lasts = settings.PDF_WAIT_SECONDS + settings.PDF_CONVERT_TIMEOUT
    try:
        with _redis() as client:
            taken = client.eval(
                _TAKE_TICKET,
                1,
                _tickets_key(),
                now,
                settings.PDF_QUEUE_LIMIT,
                now + lasts,
                ticket,
                int(lasts) + 60,
            )
    except (OperationalError, RedisError, OSError) as error:
        logger.warning("PDF queue unreachable: %s", error)
        raise _unavailable(
            "queue_unreachable",
            gettext("PDF is not available: the conversion queue is unreachable."),
        ) from error
    if not taken:
        raise _unavailable(
            "queue_full",
            ngettext(
                "PDF is not available right now: %(count)s conversion is already waiting. "
                "Try again in a minute.",
                "PDF is not available right now: %(count)s conversions are already waiting. "
                "Try again in a minute.",
                settings.PDF_QUEUE_LIMIT,
            )
            % {"count": settings.PDF_QUEUE_LIMIT},
        )


def pdf_ticket_release(ticket: str) -> None:
    """Give back a conversion's place in the queue (the worker does, once done)."""
    try:
        with _redis() as client:
            client.zrem(_tickets_key(), ticket)
    except (OperationalError, RedisError, OSError) as error:
        # The ticket lapses by itself at its deadline.
        logger.warning("PDF ticket %s not released: %s", ticket, error)


def pdf_convert_queued(*, docx_b64: str, name: str, ticket: str | None) -> dict[str, str]:
    """The worker's side: convert, give the ticket back, answer `{"pdf": base64}` or
    `{"error": reason}` (the web words the reason in the asker's language)."""
    try:
        pdf = convert_docx_to_pdf(base64.b64decode(docx_b64), name=name)
    except PdfConversionError as error:
        logger.warning("PDF of %s not made: %s", name, error)
        return {"error": error.reason}
    finally:
        if ticket is not None:
            pdf_ticket_release(ticket)
    return {"pdf": base64.b64encode(pdf).decode("ascii")}


def pdf_from_docx(docx: bytes, *, name: str) -> bytes:
    """The PDF of `docx`, made by the documents worker; Unavailable (503) when
    LibreOffice is missing, the queue is full or the wait runs out."""
    from worker.document_tasks import document_pdf_convert

    payload = base64.b64encode(docx).decode("ascii")
    if current_app.conf.task_always_eager:
        answer = document_pdf_convert.apply(args=(payload, name, None)).get()
        return _pdf_of(answer)
    ticket = uuid.uuid4().hex
    _take_ticket(ticket)
    wait = settings.PDF_WAIT_SECONDS
    try:
        result = document_pdf_convert.apply_async(
            args=(payload, name, ticket),
            # Explicit, though CELERY_TASK_ROUTES says the same: read at call time,
            # so a deployment or a test naming its own queue is followed.
            queue=settings.PDF_QUEUE,
            expires=wait,
            retry=False,
        )
    except (OperationalError, RedisError, OSError) as error:
        pdf_ticket_release(ticket)
        logger.warning("PDF conversion not queued: %s", error)
        raise _unavailable(
            "queue_unreachable",
            gettext("PDF is not available: the conversion queue is unreachable."),
        ) from error
    try:
        answer = result.get(timeout=wait, propagate=False)
    except CeleryTimeout:
        # The ticket stays: a worker may have started the task, and gives it back when
        # done; a task not started by now expires unrun, and its ticket lapses.
        raise _unavailable(
            "wait",
            ngettext(
                "PDF is not available: the conversion did not finish within %(seconds)s second.",
                "PDF is not available: the conversion did not finish within %(seconds)s seconds.",
                wait,
            )
            % {"seconds": wait},
        ) from None
    finally:
        result.forget()
    if not isinstance(answer, dict):
        # The task itself failed (its exception is the answer): logged by the worker.
        logger.warning("PDF task %s answered %r", result.id, answer)
        raise _unavailable(
            "failed", gettext("PDF is not available: LibreOffice could not convert this document.")
        )
    return _pdf_of(answer)


def _pdf_of(answer: dict[str, str]) -> bytes:
    if "pdf" in answer:
        return base64.b64decode(answer["pdf"])
    raise _conversion_refusal(PdfConversionError(answer.get("error", "failed")))
