"""Visits keep their window (first session's start, last session's end) for the clash
check (SPEC §13, checklists.clashes): the columns, their values for the visits that
exist, and on PostgreSQL a GiST index on the window as a range."""

from django.db import migrations, models

# Only visits that are not cancelled take part in clashes: the partial index stays
# smaller, and the check's WHERE implies its predicate.
GIST_INDEX = (
    "CREATE INDEX IF NOT EXISTS visit_window_gist ON checklists_visit "
    "USING gist (tstzrange(window_start, window_end)) WHERE status <> 'cancelled'"
)
DROP_GIST_INDEX = "DROP INDEX IF EXISTS visit_window_gist"

BACKFILL = """
UPDATE checklists_visit SET
    window_start = (SELECT min(s.start) FROM checklists_workingsession s
                    WHERE s.visit_id = checklists_visit.id),
    window_end = (SELECT max(s."end") FROM checklists_workingsession s
                  WHERE s.visit_id = checklists_visit.id)
"""


def create_window_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GIST_INDEX)


def drop_window_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_GIST_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0015_implementation_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="window_end",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="window end"
            ),
        ),
        migrations.AddField(
            model_name="visit",
            name="window_start",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="window start"
            ),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["window_start", "window_end"], name="visit_window_idx"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunPython(create_window_index, drop_window_index),
    ]
