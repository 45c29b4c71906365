"""One conclusion's .docx (issue 15: "a conclusion's .docx ≤ 1 s"), through the test
Client with a session, as the visit page's link is followed, for the coordinator of
everything and the concluded visit whose conclusion has the most recommendations
(the longest document):

- `first_download`: the visit's `documents/conclusion.docx` path while the issued
  conclusion has no stored copy yet (a conclusion issued before documents existed,
  as the seed's are): the .docx is rendered, written to storage with its SHA-256 and
  its row stored. Each run is inside a savepoint rolled back afterwards, and its
  file removed, so every run renders again and the bench database is left as it was.
- `frozen_download`: the same path once the copy exists: the stored bytes, the same
  every time (audited; the audit rows are rolled back with the rest).

No floor: the cost is python-docx building the document (the template's XML and
the blocks), which no hand-written SQL or JSON stands for; the query counts are
reported instead, and the budget of the issue (1 s) is the yardstick. The writes
run inside a transaction, unlike a real request; committing them would leave
copies behind in the shared bench database.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Count

from bench.common import BenchContext, count_queries, log, measure
from bench.pages import signed_in
from checklists.models import Conclusion, Document

BUDGET_MS = 1000
REPEAT = 20
WARMUP = 2


def _longest_issued() -> Conclusion:
    conclusion = (
        Conclusion.objects.filter(state=Conclusion.State.ISSUED)
        .annotate(n=Count("recommendations"))
        .order_by("-n", "pk")
        .first()
    )
    if conclusion is None:
        raise RuntimeError("The bench database holds no issued conclusion.")
    return conclusion


def _copies(conclusion: Conclusion) -> Any:
    return Document.objects.filter(conclusion_id=conclusion.pk, kind=Document.Kind.CONCLUSION)


def run(ctx: BenchContext) -> dict[str, Any]:
    conclusion = _longest_issued()
    if _copies(conclusion).exists():
        raise RuntimeError(f"Conclusion {conclusion.pk} already has a stored copy.")
    url = f"/api/v1/visits/{conclusion.visit_id}/documents/conclusion.docx"
    user = ctx.everything_coordinator
    sizes: list[int] = []

    with signed_in(user) as client:

        def download() -> bytes:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return bytes(response.content)

        def first() -> bytes:
            with transaction.atomic():
                data = download()
                for copy in _copies(conclusion):
                    copy.file.storage.delete(copy.file.name)
                transaction.set_rollback(True)
            sizes.append(len(data))
            return data

        log(f"conclusion_docx: conclusion {conclusion.pk}, {url}")
        first_queries, _, _ = count_queries(first)
        first_stats = measure(first, repeat=REPEAT, warmup=WARMUP)
        with transaction.atomic():
            try:
                download()  # the copy, stored once
                frozen_queries, data, _ = count_queries(download)
                frozen_stats = measure(download, repeat=REPEAT, warmup=WARMUP)
                stored = list(_copies(conclusion))
            finally:
                for copy in _copies(conclusion):
                    copy.file.storage.delete(copy.file.name)
                transaction.set_rollback(True)
    return {
        "url": url,
        "user": user.username,
        "conclusion": conclusion.pk,
        "recommendations": conclusion.recommendations.count(),
        "first_download": {**first_stats, "queries": first_queries, "bytes": sizes[0]},
        "frozen_download": {
            **frozen_stats,
            "queries": frozen_queries,
            "bytes": len(data),
            "sha256_matches": len(stored) == 1
            and stored[0].sha256 == hashlib.sha256(data).hexdigest(),
        },
        "budget_ms": BUDGET_MS,
        "within_budget": first_stats["p95_ms"] <= BUDGET_MS,
    }
