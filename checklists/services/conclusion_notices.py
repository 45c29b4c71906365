"""The notifications of a conclusion and of its recommendations' follow-up (SPEC
§5, §11), through the review loop's machinery (checklists.services.loop_notifications:
one row per recipient and event, unique in the database, in the recipient's
language, e-mailed one by one or in the daily digest):

| event | kind | recipients | leads to |
| --- | --- | --- | --- |
| a conclusion issued | conclusion_issued | the host unit's contacts, the addressee units' contacts, the coordinators in scope | the visit's page; an addressee below the host, who does not see the visit, its recommendation's page |
| an implementation report | implementation_report | the team's lead and deputy, the coordinators in scope | the recommendation's page |
| a verdict on a report | verdict | the report's author, the contacts of the unit that reports on it | the recommendation's page |

Never the person who acted. Called inside the event's transaction.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from checklists.models import Conclusion, ImplementationReport, Notification, Recommendation, User
from checklists.pages import recommendation_page, visit_page
from checklists.selectors import visit_host_contacts
from checklists.selectors.conclusions import unit_contacts
from checklists.selectors.implementation_reports import reporting_unit_id
from checklists.services.loop_notifications import (
    coordinators_in_scope,
    event_recipients,
    notify_event,
    team_planners,
)

Kind = Notification.Kind
QUOTE_CHARACTERS = 300
TITLE_CHARACTERS = 500


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARACTERS else text[: QUOTE_CHARACTERS - 1] + "…"


def _person(acted_by: User | None) -> str:
    return str(acted_by) if acted_by is not None else _("The system")


# --- a conclusion issued -----------------------------------------------------------------


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
    return title[:TITLE_CHARACTERS], body


def notify_conclusion_issued(*, conclusion: Conclusion, acted_by: User | None) -> list[int]:
    """Host contacts and coordinators (the visit's page), and the contacts of the
    addressee units below the host (their first recommendation's page: they do
    not see the visit). One event per issue: a re-issue after a withdrawal is a
    new conclusion row, so news again."""
    visit = conclusion.visit
    key = f"conclusion-issued:{conclusion.pk}"
    words = lambda: conclusion_issued_text(conclusion)  # noqa: E731
    ids = notify_event(
        kind=Kind.CONCLUSION_ISSUED,
        key=key,
        visit_id=visit.pk,
        url=visit_page(visit.pk),
        recipients=event_recipients(
            [visit_host_contacts(visit), coordinators_in_scope(visit)], acted_by
        ),
        words=words,
    )
    first_per_unit: dict[int, int] = {}
    for pk, unit_id in (
        conclusion.recommendations.exclude(addressee_id=visit.host_unit_id)
        .order_by("position", "id")
        .values_list("pk", "addressee_id")
    ):
        first_per_unit.setdefault(unit_id, pk)
    for unit_id, recommendation_id in first_per_unit.items():
        ids += notify_event(
            kind=Kind.CONCLUSION_ISSUED,
            key=key,
            visit_id=visit.pk,
            url=recommendation_page(recommendation_id),
            recommendation_id=recommendation_id,
            recipients=event_recipients([unit_contacts([unit_id])], acted_by),
            words=words,
        )
    return ids


# --- the follow-up -------------------------------------------------------------------------


def _names(report: ImplementationReport, acted_by: User | None) -> dict[str, object]:
    recommendation = report.recommendation
    return {
        "code": recommendation.code,
        "visit": str(recommendation.visit),
        "person": _person(acted_by),
        "progress": report.progress,
    }


def implementation_report_text(
    report: ImplementationReport, acted_by: User | None
) -> tuple[str, str]:
    names = {**_names(report, acted_by), "text": _quote(report.text)}
    files = report.files.count()
    title = _("Implementation report: %(code)s (%(visit)s)") % names
    body = ngettext(
        "%(person)s reported %(progress)s%% progress on %(code)s, with %(n)s evidence "
        "file: %(text)s",
        "%(person)s reported %(progress)s%% progress on %(code)s, with %(n)s evidence "
        "files: %(text)s",
        files,
    ) % {**names, "n": files}
    return title[:TITLE_CHARACTERS], body


def verdict_text(report: ImplementationReport, acted_by: User | None) -> tuple[str, str]:
    names = {**_names(report, acted_by), "note": _quote(report.verdict_note)}
    if report.verdict == ImplementationReport.Verdict.ACCEPTED:
        title = _("Report accepted: %(code)s (%(visit)s)") % names
        body = _("%(person)s accepted the report on %(code)s; the recommendation is done.") % names
        if report.verdict_note:
            body += " " + _("Note: %(note)s") % names
    else:
        title = _("Report returned: %(code)s (%(visit)s)") % names
        body = _("%(person)s returned the report on %(code)s: %(note)s") % names
    return title[:TITLE_CHARACTERS], body


def notify_implementation_report(
    *, report: ImplementationReport, acted_by: User | None
) -> list[int]:
    """A report reaches the team's lead and deputy and the coordinators in scope."""
    recommendation: Recommendation = report.recommendation
    visit = recommendation.visit
    return notify_event(
        kind=Kind.IMPLEMENTATION_REPORT,
        key=f"implementation-report:{report.pk}",
        visit_id=visit.pk,
        url=recommendation_page(recommendation.pk),
        recommendation_id=recommendation.pk,
        recipients=event_recipients([team_planners(visit), coordinators_in_scope(visit)], acted_by),
        words=lambda: implementation_report_text(report, acted_by),
    )


def notify_verdict(*, report: ImplementationReport, acted_by: User | None) -> list[int]:
    """A verdict reaches the report's author and the contacts of the unit that
    reports on the recommendation (one verdict per report: one event)."""
    recommendation: Recommendation = report.recommendation
    groups = [unit_contacts([reporting_unit_id(recommendation)])]
    if report.submitted_by_id is not None:
        groups.append(User.objects.filter(pk=report.submitted_by_id))
    return notify_event(
        kind=Kind.VERDICT,
        key=f"verdict:{report.pk}",
        visit_id=recommendation.visit_id,
        url=recommendation_page(recommendation.pk),
        recommendation_id=recommendation.pk,
        recipients=event_recipients(groups, acted_by),
        words=lambda: verdict_text(report, acted_by),
    )
