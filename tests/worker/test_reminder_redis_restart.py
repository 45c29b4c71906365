"""Redis is only a nudge (SPEC §8): a Redis restart that loses every queued task
loses no reminder, because the next passes enqueue again whatever is pending."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from checklists.services.reminder_dispatch import reminder_dispatch_due
from tests.worker.conftest import LiveCelery, _worker_database, celery_pointed_at
from tests.worker.test_reminder_delivery import (
    NOW,
    WORKER_ENV,
    assert_each_sent_once_but_the_one_in_flight,
    make_reminders,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_it_loses_no_reminder_when_redis_restarts(
    private_redis, smtp_sink, django_db_setup, tmp_path
):
    """GIVEN 10 reminders recorded and their tasks queued in Redis, no worker running
    (6 of milestones, 4 of an overdue recommendation: its contacts' and the
    coordinators' escalation)
    WHEN Redis restarts without persistence (the tasks are gone), then a worker starts
    THEN the passes enqueue them again and each is sent exactly once."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    database_url, shared = _worker_database(tmp_path)
    live = LiveCelery(
        broker_url=private_redis.url,
        queue=queue,
        log_dir=tmp_path,
        database_url=database_url,
        shares_database=shared,
    )
    live.require_shared_database()
    expected = make_reminders(3, overdue=1)
    with celery_pointed_at(private_redis.url, queue=queue):
        result = reminder_dispatch_due(now=NOW)
    assert result.recorded == expected == 10
    private_redis.restart()
    # Reconnect to the new server (the pools held connections to the old one).
    with celery_pointed_at(private_redis.url, queue=queue):
        try:
            live.start(name="after-restart", env={**smtp_sink.worker_env(), **WORKER_ENV})
            wait_until_all_sent(expected, passes=True)
        finally:
            live.stop_all()

    assert_each_sent_once_but_the_one_in_flight(expected, smtp_sink.message_ids())
    # No worker was killed here: not even one e-mail twice.
    assert max(Counter(smtp_sink.message_ids()).values()) == 1
