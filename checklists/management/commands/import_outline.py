"""`manage.py import_outline PATH [--publish]`: save an outline file as a new version."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from checklists.models import OutlineItem
from checklists.outline_files import OutlineFileError
from checklists.services.outlines import outline_import


class Command(BaseCommand):
    help = (
        "Import an outline file (YAML, or JSON with the same keys) as a new draft "
        "version; --publish publishes it and retires the version published before it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The outline file, e.g. plan10-outline.yaml.")
        parser.add_argument(
            "--publish", action="store_true", help="Publish the imported version at once."
        )

    def handle(self, *args, path: str, publish: bool, **options) -> None:
        file = Path(path)
        try:
            with file.open("rb") as handle:
                # One byte past the limit is enough for parse_outline to refuse it;
                # a huge file is never read whole.
                content = handle.read(settings.OUTLINE_FILE_MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        try:
            outline = outline_import(
                actor=None, content=content, filename=file.name, publish=publish
            )
        except OutlineFileError as exc:
            # CommandError goes to stderr and exits 1 from the command line; the
            # message carries every problem so one run shows all that is wrong.
            rows = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(
                f"{path} is not a valid outline file; nothing was imported.\n{rows}"
            ) from exc
        except ValidationError as exc:
            raise CommandError(f"{path} was not imported: {' '.join(exc.messages)}") from exc
        items = OutlineItem.objects.filter(section__outline=outline).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {outline} ({outline.get_status_display()}): "
                f"{outline.sections.count()} sections, {items} items, "
                f"{outline.milestones.count()} milestones."
            )
        )
