"""Writing many rows fast, for the scale seed (bench.seed_scale): COPY on
PostgreSQL, bulk_create elsewhere. It bypasses the models' save() on purpose; what
it writes is kept equal to the services' rows by tests/bench/test_seed_scale.py."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

PROGRESS_EVERY = 100_000


class SeedError(Exception):
    """The seed cannot run as asked (bad options, a non-empty database)."""


class Loader:
    """Writes rows into one model's table: COPY on PostgreSQL, bulk_create elsewhere.

    Rows are tuples in the order of `columns` (attnames). Columns of the model the
    caller does not give are filled with the field's default, so a column someone
    adds later does not break the seed.
    """

    def __init__(self, *, batch_size: int, write: Callable[[str], None]) -> None:
        self.batch_size = batch_size
        self.write = write
        self.copy = connection.vendor == "postgresql"
        self.tables: dict[str, dict[str, float | int]] = {}

    @staticmethod
    def next_id(model: type[models.Model]) -> int:
        return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def load(
        self,
        label: str,
        model: type[models.Model],
        columns: Sequence[str],
        rows: Iterable[tuple],
    ) -> int:
        started = time.perf_counter()
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise SeedError(f"{model.__name__} has no column {sorted(unknown)}.")
        # Columns with a database default are left to the database.
        missing = [
            f for name, f in fields.items() if name not in columns and not f.has_db_default()
        ]
        now = timezone.now()
        # Evaluated once per table: one shared value (never mutated here) rather
        # than a fresh dict or timestamp per row.
        filler = tuple(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default()
            for f in missing
        )
        all_columns = [*columns, *(f.attname for f in missing)]
        json_at = [
            i for i, name in enumerate(all_columns) if isinstance(fields[name], models.JSONField)
        ]
        count = 0
        if self.copy:
            count = self._copy(
                model, [fields[n].column for n in all_columns], rows, filler, json_at, label
            )
        else:
            for batch in _batches(rows, self.batch_size):
                objs = [model(**dict(zip(all_columns, row + filler, strict=True))) for row in batch]
                model.objects.bulk_create(objs, batch_size=self.batch_size)
                count += len(objs)
        seconds = time.perf_counter() - started
        self.tables[label] = {"rows": count, "seconds": round(seconds, 3)}
        self.write(f"  {label:<18} {count:>9,} rows in {seconds:7.2f} s")
        return count

    def _copy(
        self,
        model: type[models.Model],
        db_columns: list[str],
        rows: Iterable[tuple],
        filler: tuple,
        json_at: list[int],
        label: str,
    ) -> int:
        qn = connection.ops.quote_name
        sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in db_columns)}) FROM STDIN"
        raw = connection.connection  # psycopg 3; inside Django's transaction
        count = 0
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                full = row + filler
                if json_at:
                    # In text COPY a jsonb column takes the JSON text itself.
                    full = list(full)
                    for i in json_at:
                        if full[i] is not None:
                            full[i] = json.dumps(full[i], ensure_ascii=False)
                copy.write_row(full)
                count += 1
                if count % PROGRESS_EVERY == 0:
                    self.write(f"  {label:<18} {count:>9,} rows …")
        return count


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
