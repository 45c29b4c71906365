"""Links the visits created before the legal-instrument registry existed to the
instrument their `decision_ref` cites, as visit_create now does
(checklists.services.legal_instruments.visit_decision_link): a reference that
reads as one citation is registered (by the system, as a coordinator would) and
linked; one that does not stays text only. The registry was empty until now, so
linking only to instruments already stored would link nothing.

No audit event: the system registers what the visits already said."""

from django.db import migrations

from checklists.legal_citations import CitationError, parse_citation


def link_decisions(apps, schema_editor):
    Visit = apps.get_model("checklists", "Visit")
    LegalInstrument = apps.get_model("checklists", "LegalInstrument")
    visits_by_key: dict[tuple, list[int]] = {}
    parts_by_key = {}
    rows = (
        Visit.objects.filter(decision_instrument__isnull=True)
        .exclude(decision_ref="")
        .values_list("pk", "decision_ref")
    )
    for pk, text in rows.iterator(chunk_size=2000):
        try:
            parts = parse_citation(text)
        except CitationError:
            continue
        key = (parts.style, parts.number, parts.type_code, parts.issuer_code, parts.year)
        parts_by_key.setdefault(key, parts)
        visits_by_key.setdefault(key, []).append(pk)
    for key, parts in parts_by_key.items():
        style, number, type_code, issuer_code, year = key
        instrument = LegalInstrument.objects.filter(
            style=style, number=number, type_code=type_code, issuer_code=issuer_code, year=year
        ).first()
        if instrument is None:
            instrument = LegalInstrument.objects.create(
                style=style,
                number=number,
                type_code=type_code,
                type_name=parts.type_name,
                issuer_code=issuer_code,
                issuer_name=parts.issuer_name[:255],
                year=year,
                year_in_number=parts.year_in_number,
                issued_on=parts.issued_on,
                title=parts.title[:1000],
                citation=parts.citation[:1500],
                short_citation=parts.short_citation[:128],
            )
        Visit.objects.filter(pk__in=visits_by_key[key]).update(decision_instrument=instrument)


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0017_legal_instruments"),
    ]

    operations = [
        migrations.RunPython(link_decisions, migrations.RunPython.noop, elidable=True),
    ]
