"""The seed itself: how long `seed_scale` took to build the SPEC §10 volume.

When the data was already there, the figures are those of the run that seeded it
(kept in the bench database), marked "reused".
"""

from __future__ import annotations

from typing import Any

from bench.common import BenchContext

# The brief for the seed: the whole volume well within ten minutes on PostgreSQL.
TARGET_S = 600


def run(ctx: BenchContext) -> dict[str, Any]:
    report = ctx.seed
    seconds = report.get("wall_seconds", report.get("seconds"))
    return {
        "status": report.get("status"),
        "seeded_at": report.get("seeded_at"),
        "method": report.get("method"),
        "seed_s": seconds,
        "target_s": TARGET_S,
        # Unknown when the data was seeded outside `bench` (no stored report).
        "meets_target": None if seconds is None else seconds <= TARGET_S,
        "tables": {
            name: {"rows": figures["rows"], "time_s": figures["seconds"]}
            for name, figures in report.get("tables", {}).items()
        },
        "rows": ctx.volume,
        "options": report.get("options"),
    }
