"""Chain the audit events recorded before the chain existed, in id order (SPEC §14).

Uses the product's own hash function: the chain is a contract, and HASH_VERSION
in every hashed content says which one built it.
"""

from django.db import migrations

BATCH = 2000


def chain_existing(apps, schema_editor):
    from checklists.services.audit_chain import CHAIN_FIELDS, GENESIS, event_digest, write_links

    AuditEvent = apps.get_model("checklists", "AuditEvent")
    head = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    seq, previous = head if head is not None else (0, GENESIS)
    while True:
        rows = list(
            AuditEvent.objects.filter(seq__isnull=True).order_by("id").values(*CHAIN_FIELDS)[:BATCH]
        )
        if not rows:
            return
        updates = []
        for row in rows:
            seq += 1
            previous = event_digest(previous, row)
            updates.append((seq, previous, row["id"]))
        write_links(updates)


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0007_audit_chain"),
    ]

    operations = [
        migrations.RunPython(chain_existing, migrations.RunPython.noop, elidable=False),
    ]
