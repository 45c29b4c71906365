"""Tasks cross real processes: web process → broker → worker subprocess → result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.factories import UnitFactory
from tests.worker.conftest import ROOT
from worker.tasks import ping as ping_task

pytestmark = pytest.mark.slow


@pytest.mark.django_db
def test_it_answers_the_health_check_task_from_a_worker(client, live_worker):
    response = client.get("/health/", {"deep": "1", "worker": "1"})

    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["broker"]["status"] == "ok"
    assert checks["worker"]["status"] == "pong"


def test_it_returns_a_task_result_from_a_worker(live_worker):
    assert ping_task.delay().get(timeout=10) == "pong"


def test_it_sends_tasks_to_the_session_queue_only(live_celery, live_worker):
    """Parallel runs share CI's Redis database; each consumes only its own queue."""
    result = ping_task.delay()

    assert result.get(timeout=10) == "pong"
    assert live_celery.queue.startswith("test-")
    assert live_celery.queue in live_worker.log()


def test_it_can_kill_a_worker(live_celery, live_worker):
    """GIVEN a second worker WHEN it is SIGKILLed THEN it is gone and the others still answer."""
    doomed = live_celery.start(name="doomed")

    assert doomed.kill() == -signal.SIGKILL

    assert not doomed.is_alive()
    assert ping_task.delay().get(timeout=10) == "pong"


@pytest.mark.django_db(transaction=True)
def test_it_gives_workers_the_test_database(live_celery):
    """A process with a worker's environment reads the rows the test committed."""
    live_celery.require_shared_database()
    unit = UnitFactory(name="Tỉnh Cao Bằng")
    code = (
        "import django; django.setup(); from checklists.models import Unit; "
        f"print(Unit.objects.get(pk={unit.pk}).name)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=live_celery.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Tỉnh Cao Bằng"


def test_it_never_gives_workers_the_checkout_database(live_celery):
    assert live_celery.env()["DATABASE_URL"] != os.environ.get("DATABASE_URL")
    assert "var/db.sqlite3" not in live_celery.env()["DATABASE_URL"]
