"""Celery tasks. Each is thin: fetch by id, call one service, own the retries."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="worker.ping", ignore_result=False)
def ping() -> str:
    """A round trip through the broker and a worker, used by `/health/?deep=1&worker=1`."""
    return "pong"
