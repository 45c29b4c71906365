"""The one refusal of backups and restores."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""
