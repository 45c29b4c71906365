"""`manage.py send_due_reminders`: one reminder dispatch pass, for cron.

The pass records the reminders that fell due and hands each to a Celery worker
(after commit); `--send` sends them in this process instead, for a host with no
worker at all.

One reminder that cannot be sent never holds back the others (SPEC §14): it is
failed with its reason (or left for a later pass to retry) and reported here, and
the command still exits 0. It exits non-zero only when the pass itself could not
run (the database unreachable, a bad `--now`).
"""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from checklists.models import Reminder
from checklists.services.reminder_delivery import ReminderSendError, reminder_send
from checklists.services.reminder_dispatch import reminder_dispatch_due

logger = logging.getLogger(__name__)


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
        not_sent: list[int] = []

        def send_here(reminder_id: int) -> None:
            try:
                outcome = reminder_send(reminder_id=reminder_id)
            except ReminderSendError:
                # Recorded on the row; a later pass enqueues it again.
                outcome = "will-retry"
            except Exception:
                # A bug met by this one reminder: its reason is on the row, and the
                # next ones still go out. A later pass tries it again.
                logger.exception("reminder %s could not be sent", reminder_id)
                outcome = "error"
            if outcome in {"will-retry", "failed", "error"}:
                not_sent.append(reminder_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

        result = reminder_dispatch_due(now=at, enqueue=send_here if send else None)
        self.stdout.write(
            f"milestones={result.milestones} recorded={result.recorded} "
            f"skipped={result.skipped} requeued={result.requeued}"
            + (f" sent={outcomes}" if send else "")
        )
        self._report(not_sent)

    def _report(self, reminder_ids: list[int]) -> None:
        """One line per reminder not sent, with its state and reason, on stderr."""
        rows = Reminder.objects.filter(pk__in=reminder_ids).order_by("pk")
        for pk, milestone_id, recipient_id, state, error in rows.values_list(
            "pk", "milestone_id", "recipient_id", "state", "last_error"
        ):
            self.stderr.write(
                f"reminder {pk} (milestone {milestone_id}, recipient {recipient_id}) "
                f"{state}: {error or 'no reason recorded'}"
            )
