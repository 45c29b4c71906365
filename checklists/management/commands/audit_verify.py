"""`manage.py audit_verify`: verify the audit trail's hash chain (SPEC §14).

Chains the events still waiting, walks the chain, checks its head against the
anchor recorded outside the database at the last good verification, then records
the new anchor. Exits 1 naming the first event changed, removed or inserted; the
daily beat task runs the same pass and tells the coordinators of everything.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from checklists.services.audit_chain import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit 1 naming the first bad event."

    def add_arguments(self, parser):
        parser.add_argument(
            "--notify",
            action="store_true",
            help="Also tell the coordinators of everything when the chain is broken "
            "(as the daily task does).",
        )

    def handle(self, *args, notify=False, **options):
        check = audit_chain_verify(alert=notify)
        if check.finding is not None:
            # CommandError: the message on stderr and exit status 1.
            raise CommandError(
                f"audit chain broken (first bad event: {check.first_bad_id}): "
                f"{check.finding.describe()}"
            )
        self.stdout.write(
            f"audit chain ok: {check.events} events, head at position {check.head_seq}"
        )
