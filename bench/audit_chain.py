"""The cost of the tamper-evident audit chain (SPEC §14) on a write-heavy path.

A checklist item PATCH through the API, in process (APIClient, the lead of the
biggest visit): the service updates the item and records an audit event in one
transaction. With `AUDIT_CHAIN_AFTER_COMMIT` on, the chaining step (advisory lock,
head, hash, update) runs just after that commit, inside the request; off, the event
waits for the daily verification pass. Calls alternate on/off in the same run, so
drift hits both alike; after each "off" call its event is chained untimed, so every
"on" call chains exactly its own event.

The PATCHes commit (the chain runs after commit only): the item's `finding` is put
back at the end; the audit events stay, chained, as any write's would.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from django.test import override_settings
from rest_framework.test import APIClient

from bench.common import BenchContext, _within_budget, count_queries, summarize, time_once
from checklists.models import AuditEvent, ChecklistItem
from checklists.services.audit_chain import audit_chain_pending, audit_chain_verify


def run(ctx: BenchContext) -> dict[str, Any]:
    lead = ctx.big_visit_lead
    item = ChecklistItem.objects.filter(visit_id=ctx.big_visit_id).order_by("id").first()
    assert item is not None
    original_finding = item.finding
    url = f"/api/v1/checklist-items/{item.pk}/"
    client = APIClient()
    client.force_authenticate(lead)
    calls = 0

    def patch() -> None:
        nonlocal calls
        calls += 1
        answer = client.patch(url, {"finding": f"bench {calls}"}, format="json")
        assert answer.status_code == 200, (answer.status_code, answer.content[:200])

    # The chain as it stands (events of earlier runs), so both sides start level.
    backlog = audit_chain_pending()
    events_before = AuditEvent.objects.count()
    try:
        with override_settings(AUDIT_CHAIN_AFTER_COMMIT=True):
            queries_on, _, _ = count_queries(patch)
        with override_settings(AUDIT_CHAIN_AFTER_COMMIT=False):
            queries_off, _, _ = count_queries(patch)
            audit_chain_pending()
        for _ in range(ctx.warmup):
            patch()
            audit_chain_pending()
        on_ms: list[float] = []
        off_ms: list[float] = []
        started = time.perf_counter()
        while len(on_ms) < ctx.repeat and _within_budget(started, len(on_ms), 30.0):
            with override_settings(AUDIT_CHAIN_AFTER_COMMIT=True):
                on_ms.append(time_once(patch))
            with override_settings(AUDIT_CHAIN_AFTER_COMMIT=False):
                off_ms.append(time_once(patch))
                audit_chain_pending()
        # The chaining step on its own, one event each (what "on" adds).
        step_ms: list[float] = []
        with override_settings(AUDIT_CHAIN_AFTER_COMMIT=False):
            for _ in range(min(ctx.repeat, 30)):
                patch()
                step_ms.append(time_once(audit_chain_pending))
    finally:
        ChecklistItem.objects.filter(pk=item.pk).update(finding=original_finding)
    unchained = AuditEvent.objects.filter(seq__isnull=True).count()
    # The anchor of this throwaway check goes to a file of its own, never the
    # checkout's (MEDIA_ROOT/audit-anchor.json belongs to its own database).
    with (
        tempfile.TemporaryDirectory() as directory,
        override_settings(AUDIT_ANCHOR_PATH=str(Path(directory) / "anchor.json")),
    ):
        verify_started = time.perf_counter()
        check = audit_chain_verify()
        verify_s = time.perf_counter() - verify_started
    on, off = summarize(on_ms), summarize(off_ms)
    return {
        "path": "PATCH checklist-items/{id}/ (finding), in process, as the visit's lead",
        "with_chain": {**on, "queries": queries_on},
        "without_chain": {**off, "queries": queries_off},
        "chain_cost_p50_ms": round(on["p50_ms"] - off["p50_ms"], 3),
        "chain_cost_p50_pct": round(100 * (on["p50_ms"] / off["p50_ms"] - 1), 1),
        "chaining_step_alone": summarize(step_ms),
        "backlog_chained_first": backlog,
        "events_written": AuditEvent.objects.count() - events_before,
        "left_unchained": unchained,
        "verify": {"events": check.events, "ok": check.ok, "elapsed_s": round(verify_s, 2)},
    }
