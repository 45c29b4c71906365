"""The audit chain's anchor and last verification, kept in a file outside the database.

A hash chain alone cannot show that its newest events were removed: what is left is
still a valid chain. So each good verification records the head it saw (seq, hash,
id) in a file under `AUDIT_ANCHOR_PATH` (default MEDIA_ROOT/audit-anchor.json, so
that the backup carries it with the files); the next verification must find that
event, unchanged, in the chain. Someone who can rewrite the audit table through the
database cannot reach this file through it.

The same file carries the last verification's outcome, which `audit/` shows as
`chain` (SPEC §5): reading a small file costs the list no SQL query.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings


def anchor_path() -> Path:
    """Read at each use, not at import: tests and deployments move MEDIA_ROOT."""
    configured = getattr(settings, "AUDIT_ANCHOR_PATH", "")
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "audit-anchor.json"


def anchor_read() -> dict[str, Any]:
    """The file's content: {"anchor": {...} or absent, "last_check": {...} or absent}.

    A missing file is an empty record (no verification yet). A file that cannot be
    read as JSON is an error for the caller: an anchor that vanished into garbage
    must not pass for "no anchor"."""
    path = anchor_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object.")
    return data


def anchor_write(data: dict[str, Any]) -> None:
    """Replace the file atomically (write beside it, then rename), so a crash or a
    reader never sees half of it."""
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".audit-anchor-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
