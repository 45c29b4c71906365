"""`manage.py generate_issued_documents`: the official copies of the conclusions
issued before documents existed (SPEC §12), made once; running it again makes none."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from checklists.services.document_copies import conclusion_documents_generate


class Command(BaseCommand):
    help = "Make the frozen copies of conclusions issued before documents existed (idempotent)."

    def handle(self, *args, **options):
        made = conclusion_documents_generate()
        for document in made:
            self.stdout.write(f"{document.reference}: {document.sha256}")
        self.stdout.write(f"{len(made)} document(s) made")
