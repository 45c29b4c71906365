"""The in-app notifications of an issued conclusion (SPEC §11: the host contacts,
the addressees' contacts and the coordinators in scope are told; the person who
issued it is not).

Kept apart from checklists.services.notifications on purpose: the notifications'
delivery (exactly once, e-mail, digests) is being reworked there, and this module
is what that machinery will wire in. For now: one in-app row per recipient, in
the recipient's language, in the issuing transaction.
"""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.models import Conclusion, Notification, User
from checklists.policies import Person
from checklists.selectors import visit_host_contacts
from checklists.selectors.conclusions import coordinators_of, unit_contacts


def conclusion_issued_recipients(conclusion: Conclusion, *, acted_by: Person | None) -> list[User]:
    """Host contacts, addressee units' contacts, coordinators of the host unit;
    each once, never the person who acted."""
    visit = conclusion.visit
    addressees = list(conclusion.recommendations.values_list("addressee_id", flat=True).distinct())
    people: dict[int, User] = {}
    for group in (
        visit_host_contacts(visit),
        unit_contacts(addressees),
        coordinators_of(visit.host_unit),
    ):
        for person in group:
            people.setdefault(person.pk, person)
    if isinstance(acted_by, User):
        people.pop(acted_by.pk, None)
    return sorted(people.values(), key=lambda person: person.pk)


def conclusion_issued_text(conclusion: Conclusion) -> tuple[str, str]:
    """(title, body) in the active language."""
    count = conclusion.recommendations.count()
    names = {
        "visit": str(conclusion.visit),
        "number": conclusion.number,
        "type": Conclusion.REGISTER_TYPE,
        # A date inside a sentence: the short form.
        "date": date_format(conclusion.issued_on or timezone.localdate(), "SHORT_DATE_FORMAT"),
        "n": count,
    }
    title = _("Conclusion issued: %(visit)s") % names
    body = (
        ngettext(
            "Conclusion No. %(number)s-%(type)s of the visit %(visit)s was issued on %(date)s "
            "with %(n)s recommendation.",
            "Conclusion No. %(number)s-%(type)s of the visit %(visit)s was issued on %(date)s "
            "with %(n)s recommendations.",
            count,
        )
        % names
    )
    return title, body


def notify_conclusion_issued(*, conclusion: Conclusion, acted_by: Person | None) -> int:
    """Create the `conclusion_issued` notifications; returns how many."""
    notifications = []
    for recipient in conclusion_issued_recipients(conclusion, acted_by=acted_by):
        with translation.override(recipient.language):
            title, body = conclusion_issued_text(conclusion)
        notifications.append(
            Notification(
                recipient=recipient,
                kind=Notification.Kind.CONCLUSION_ISSUED,
                title=title[:500],
                body=body,
                visit_id=conclusion.visit_id,
            )
        )
    Notification.objects.bulk_create(notifications)
    return len(notifications)
