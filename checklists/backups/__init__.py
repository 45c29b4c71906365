"""Backups and restores of the database and the uploaded files (SPEC §14): see
`archive` for the archive's layout and the steps of each."""

from checklists.backups.archive import (
    BackupResult,
    RestoreResult,
    backup_create,
    backup_restore,
    default_backup_path,
    media_folder,
)
from checklists.backups.errors import BackupError

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_create",
    "backup_restore",
    "default_backup_path",
    "media_folder",
]
