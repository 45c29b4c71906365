"""`python -m bench.seed_scale [options]`: the SPEC §10 volume into the database of
DATABASE_URL (`--help` lists the options). The seeding itself is bench.seeder.

Only the command line here: Django is set up before the seeder (and the models it
imports) is loaded, as bench.run does for the benchmarks.
"""

from __future__ import annotations

import os

from bench.seed_loader import SeedError
from bench.seed_options import build_parser


def main(argv: list[str] | None = None) -> None:
    options = vars(build_parser().parse_args(argv))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    from bench.seeder import seed_scale

    try:
        seed_scale(**options)
    except SeedError as error:
        raise SystemExit(f"seed_scale: {error}") from error


if __name__ == "__main__":
    main()
