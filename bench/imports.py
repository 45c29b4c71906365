"""A 20,000-row units import (SPEC §5 "imports": up to 20,000 rows, all or none),
as the worker runs it: `units_import` on an .xlsx of a district every 20 rows
with its communes below it, under the province coordinator's province, each run
rolled back so that the seeded volume stays as it is.

Reported: seconds per import (p50/p95 over a few runs, the file read included),
milliseconds per row, and whether it stays under the target (well within
gunicorn's 30 s, though files over IMPORT_INLINE_ROWS never run in a request).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs

from bench.common import BenchContext, measure, rolled_back
from checklists.services.imports import units_import

ROWS = 20_000
TARGET_MS = 15_000


def units_workbook(parent_code: str, rows: int = ROWS) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["code", "name", "kind", "parent", "document_symbol"])
    for district in range(rows // 20):
        sheet.append([f"bench-d{district}", f"Huyện {district}", "district", parent_code, "HU"])
        for commune in range(19):
            code = f"bench-d{district}-x{commune}"
            sheet.append([code, f"Xã {district}.{commune}", "grassroots", f"bench-d{district}", ""])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(ctx: BenchContext) -> dict[str, Any]:
    actor = ctx.province_coordinator
    assert actor.coordinator_scope is not None
    content = units_workbook(actor.coordinator_scope.code)

    def once() -> None:
        with rolled_back():
            result = units_import(actor=actor, upload=content)
            assert len(result.created) == ROWS

    timing = measure(once, repeat=min(ctx.repeat, 3), warmup=0)
    return {
        "rows": ROWS,
        "file_bytes": len(content),
        **timing,
        "ms_per_row": round(timing["p50_ms"] / ROWS, 3),
        "target_ms": TARGET_MS,
        "within_target": timing["p95_ms"] <= TARGET_MS,
    }
