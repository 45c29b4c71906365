"""Celery tasks. Each is thin: fetch by id, call one service, own the retries.

Celery's autodiscovery imports this module; the tasks live in one module per
concern and are imported here so that they register.
"""

from __future__ import annotations

from celery import shared_task

from worker.audit_tasks import *  # noqa: F403
from worker.document_tasks import *  # noqa: F403
from worker.import_tasks import *  # noqa: F403
from worker.invitation_tasks import *  # noqa: F403
from worker.notification_tasks import *  # noqa: F403
from worker.reminder_tasks import *  # noqa: F403
from worker.report_tasks import *  # noqa: F403


@shared_task(name="worker.ping", ignore_result=False)
def ping() -> str:
    """A round trip through the broker and a worker, used by `/health/?deep=1&worker=1`."""
    return "pong"
