"""Liveness and readiness: `/health/` and `/health/?deep=1` (SPEC §5)."""

from __future__ import annotations

import time
from collections.abc import Callable

from celery.exceptions import TimeoutError as CeleryTimeout
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from backend.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2
WORKER_TIMEOUT_SECONDS = 5.0


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


def _check_worker() -> str:
    """A task sent from this process and answered by a worker."""
    from worker.tasks import ping

    # No publish retries: with the broker down this must fail now, not after
    # Celery's default retry policy (about 20 s).
    result = ping.apply_async(expires=WORKER_TIMEOUT_SECONDS, retry=False)
    return str(result.get(timeout=WORKER_TIMEOUT_SECONDS))


def _run(check: Callable[[], str]) -> dict[str, object]:
    started = time.perf_counter()
    result: dict[str, object]
    try:
        result = {"status": check()}
    except CeleryTimeout:
        result = {"status": "error", "error": "no worker answered in time"}
    except Exception as exc:  # a health check reports every failure, whatever it is
        result = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    if request.GET.get("deep") not in {"1", "true", "yes"}:
        return JsonResponse({"status": "ok"})
    checks = {"database": _run(_check_database), "broker": _run(_check_broker)}
    if request.GET.get("worker") in {"1", "true", "yes"}:
        checks["worker"] = _run(_check_worker)
    healthy = all(c["status"] in {"ok", "pong"} for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
