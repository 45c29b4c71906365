"""`manage.py backup [--output PATH]`: the database and the uploaded files in one archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checklists.backups import BackupError, backup_create, default_backup_path


class Command(BaseCommand):
    help = (
        "Write the database (PostgreSQL: pg_dump's custom format; SQLite: a consistent "
        "copy of the file) and every file of MEDIA_ROOT into one .tar or .tar.gz "
        "archive with a manifest of SHA-256 sums (SPEC §14). When the files are on S3 "
        "storage they are left out: the bucket is backed up by its provider. Restore "
        "with `manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=None,
            help=(
                "The archive to write (.tar, .tar.gz or .tgz); default: "
                f"{default_backup_path().parent}/inspection-<UTC time>.tar.gz."
            ),
        )

    def handle(self, *args, output: str | None, **options):
        try:
            result = backup_create(output=Path(output) if output else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if result.media_skipped:
            self.stdout.write(f"Files not included: {result.media_skipped}.")
        self.stdout.write(
            f"Wrote {result.path} ({result.size} bytes, {result.files} files, "
            f"{result.rows} rows) sha256={result.sha256}"
        )
