"""`manage.py send_due_reminders`: one reminder dispatch pass, for cron.

The pass records the reminders that fell due and hands each to a Celery worker
(after commit); `--send` sends them in this process instead, for a host with no
worker at all.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from checklists.services.reminder_delivery import ReminderSendError, reminder_send
from checklists.services.reminder_dispatch import reminder_dispatch_due


class Command(BaseCommand):
    help = "Record the deadline reminders that are due and send them (SPEC §8)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="Run the pass as of this time (ISO 8601 with offset); default: now.",
        )
        parser.add_argument(
            "--send",
            action="store_true",
            help="Send the e-mails in this process rather than through the Celery worker.",
        )

    def handle(self, *args, now=None, send=False, **options):
        at = None
        if now:
            at = parse_datetime(now)
            if at is None or timezone.is_naive(at):
                raise CommandError(f"--now={now!r} is not an ISO 8601 time with an offset.")
        outcomes: dict[str, int] = {}

        def send_here(reminder_id: int) -> None:
            try:
                outcome = reminder_send(reminder_id=reminder_id)
            except ReminderSendError:
                # Recorded on the row; a later pass enqueues it again.
                outcome = "will-retry"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

        result = reminder_dispatch_due(now=at, enqueue=send_here if send else None)
        self.stdout.write(
            f"milestones={result.milestones} recorded={result.recorded} "
            f"skipped={result.skipped} requeued={result.requeued}"
            + (f" sent={outcomes}" if send else "")
        )
