"""`manage.py export_outline CODE [--version N] [--format yaml|json] [--output PATH]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checklists.models import Outline
from checklists.outline_files import FORMATS, dump_outline
from checklists.selectors.outlines import outline_data


class Command(BaseCommand):
    help = (
        "Write an outline version as an outline file (the format import_outline "
        "reads); the highest version unless --version is given."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version (the outline's) replaces Django's --version (Django's own);
        # without "resolve" argparse refuses the second definition.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("code", help="The outline code, e.g. KH-10.")
        parser.add_argument(
            "--version", type=int, default=None, help="The version to export (default: highest)."
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default=None,
            help="yaml or json (default: from the --output extension, else yaml).",
        )
        parser.add_argument("--output", default=None, help="Write to this file instead of stdout.")

    def handle(self, *args, code: str, version: int | None, output: str | None, **options):
        outlines = Outline.objects.filter(code=code)
        if version is not None:
            outline = outlines.filter(version=version).first()
        else:
            outline = outlines.order_by("-version").first()
        if outline is None:
            which = f"version {version} of " if version is not None else ""
            raise CommandError(f"There is no {which}outline {code}.")
        fmt = options["format"]
        if fmt is None:
            fmt = "json" if output and Path(output).suffix.lower() == ".json" else "yaml"
        text = dump_outline(outline_data(outline), fmt=fmt)
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}") from exc
        self.stdout.write(f"Wrote {outline} ({outline.get_status_display()}) to {output}.")
