"""Gives the visits created before `Visit.issuer` existed their issuer, by the rule
visit_create now follows (checklists.services.visits.visit_issuer): the unit of
the creating coordinator's scope, else the host unit's parent, else the host unit.
(Programmes, whose issuer comes first, did not exist yet.)"""

from django.db import migrations


def fill_issuers(apps, schema_editor):
    Visit = apps.get_model("checklists", "Visit")
    visits = Visit.objects.filter(issuer__isnull=True).select_related(
        "created_by", "host_unit"
    )
    for visit in visits.iterator(chunk_size=2000):
        creator = visit.created_by
        if (
            creator is not None
            and creator.is_coordinator
            and creator.coordinator_scope_id is not None
        ):
            issuer_id = creator.coordinator_scope_id
        else:
            issuer_id = visit.host_unit.parent_id or visit.host_unit_id
        Visit.objects.filter(pk=visit.pk).update(issuer_id=issuer_id)


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0012_conclusions_and_registers"),
    ]

    operations = [
        migrations.RunPython(fill_issuers, migrations.RunPython.noop, elidable=True),
    ]
