"""`manage.py restore PATH`: an archive of `manage.py backup` into an empty database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checklists.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into the configured database "
        "and MEDIA_ROOT, which must both be empty (a new database; `migrate` may have "
        "run). Every SHA-256 of the manifest is checked before anything is written, the "
        "row counts and files again afterwards, and the audit trail last."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar or .tar.gz file written by `backup`.")

    def handle(self, *args, archive: str, **options):
        try:
            result = backup_restore(archive=Path(archive))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {result.tables} tables ({result.rows} rows) and {result.files} files."
        )
        if result.audit_verified is None:
            self.stdout.write("This version has no audit_verify command: trail not checked.")
        else:
            self.stdout.write("The audit trail verifies.")
        if result.unapplied_migrations:
            self.stdout.write(
                f"{result.unapplied_migrations} migrations of this version are not applied "
                "yet: run `manage.py migrate`."
            )
