"""List the number answers stored with a fraction, for people to check.

Before numbers were read in the person's language, a Vietnamese `4.486` (four
thousand four hundred eighty-six) was stored as the decimal 4.486. Such answers
cannot be told apart from real fractions by the data alone, so this lists every
number answer with a fraction, with its visit and item, for someone to confirm or
correct in the product. It changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from checklists.models import AnswerType, ChecklistItem
from checklists.numbers import format_number


class Command(BaseCommand):
    help = "List number answers stored with a fraction (possibly misread grouped numbers)."

    def handle(self, *args: Any, **options: Any) -> None:
        items = (
            ChecklistItem.objects.filter(answer_type=AnswerType.NUMBER, answer__isnull=False)
            .select_related("visit")
            .only("id", "number", "section_number", "answer", "visit__id", "visit__code")
            .order_by("visit_id", "section_position", "position")
            .iterator(chunk_size=2000)
        )
        found = 0
        for item in items:
            answer = item.answer
            if isinstance(answer, float) and not answer.is_integer():
                found += 1
                self.stdout.write(
                    f"visit {item.visit_id} ({item.visit.code or '-'}), item "
                    f"{item.section_number}.{item.number} (id {item.pk}): {answer!r} "
                    f"= {format_number(answer, language='vi')} (vi) — "
                    f"{format_number(answer * 1000, language='vi')} if a grouped thousand?"
                )
        self.stdout.write(f"{found} number answer(s) with a fraction to check.")
