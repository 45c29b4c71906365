"""Reads of implementation reports and their evidence files (SPEC §4, §11).

A report and its files are seen by whoever sees its recommendation
(checklists.selectors.conclusions): the visit's coordinators and team, the host
unit's contacts, and the contacts of the unit it is addressed to. Who may report
is narrower: the addressee unit's contacts, or the host unit's when the
addressee has none, and the coordinators.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from checklists.models import EvidenceFile, ImplementationReport, Recommendation, User
from checklists.policies import Person, coordinates_unit
from checklists.selectors.conclusions import recommendations_visible_to, sees_recommendation

FILE_FIELDS = ("id", "report_id", "position", "original_name", "size", "sha256", "content_type")


def _with_files(rows: QuerySet[ImplementationReport]) -> QuerySet[ImplementationReport]:
    return rows.select_related("submitted_by", "verdict_by").prefetch_related(
        Prefetch("files", queryset=EvidenceFile.objects.only(*FILE_FIELDS))
    )


def recommendation_reports(recommendation: Recommendation) -> QuerySet[ImplementationReport]:
    """The recommendation's reports, newest first, with their files' facts (two
    queries, whatever their number)."""
    return _with_files(
        ImplementationReport.objects.filter(recommendation_id=recommendation.pk).order_by(
            "-submitted_at", "-id"
        )
    )


def implementation_reports_visible_to(user: Person) -> QuerySet[ImplementationReport]:
    """Every report the person may see, with its recommendation, visit and files."""
    visible = recommendations_visible_to(user).values("pk")
    return _with_files(
        ImplementationReport.objects.filter(recommendation_id__in=visible).select_related(
            "recommendation__visit__host_unit", "recommendation__addressee"
        )
    )


def reporting_unit_id(recommendation: Recommendation) -> int:
    """The unit whose contacts report on the recommendation: its addressee, or the
    visit's host unit when the addressee has no active contact (SPEC §4)."""
    addressee_id = recommendation.addressee_id
    if User.objects.filter(is_active=True, host_unit_id=addressee_id).exists():
        return addressee_id
    return recommendation.visit.host_unit_id


def may_report(user: Person, recommendation: Recommendation) -> bool:
    """The person may send an implementation report on the recommendation (they
    see it; whether its state allows one is the service's to say)."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if coordinates_unit(user, recommendation.visit.host_unit):
        return True
    if user.host_unit_id is None:
        return False
    return user.host_unit_id == reporting_unit_id(recommendation)


__all__ = [
    "implementation_reports_visible_to",
    "may_report",
    "recommendation_reports",
    "reporting_unit_id",
    "sees_recommendation",
]
