"""The recommendations a person sees (/recommendations/): filtered, sorted (by
unit unless asked otherwise), paginated, with the overdue ones marked in colour
and in words; and the row every page lists a recommendation with.

Who sees which rows is checklists.selectors.conclusions.recommendations_visible_to,
exactly as for the API's recommendations/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from checklists.models import Recommendation
from checklists.selectors.conclusions import (
    conclusion_visits_visible_to,
    recommendation_units_visible_to,
    recommendations_visible_to,
)
from web.forms_conclusions import (
    RecommendationCancelForm,
    RecommendationExtendForm,
    RecommendationFilterForm,
)
from web.views.base import filter_problems, signed_in, url_of_id
from web.views.exports import recommendations_export_url
from web.views.recommendation_rows import RecommendationLabels, recommendation_row_html

RECOMMENDATIONS_PER_PAGE = 50
# The units with the most pending recommendations, shown above the list.
UNIT_COUNTS_SHOWN = 10


def recommendation_url(recommendation_id: int) -> str:
    """A recommendation's own page (its reports and the verdicts: web.views.follow_up)."""
    return reverse("web:recommendation", kwargs={"recommendation_id": recommendation_id})


@dataclass
class RecommendationRow:
    """A recommendation as a row shows it: overdue today or not, its page, and
    the extension and cancellation forms for those who may use them."""

    recommendation: Recommendation
    overdue: bool
    url: str
    may_manage: bool = False
    extend_form: RecommendationExtendForm | None = None
    cancel_form: RecommendationCancelForm | None = None

    @property
    def state_label(self) -> str:
        return str(Recommendation.State(self.recommendation.state).label)

    @property
    def open_form(self) -> str:
        """Which of the row's forms to show opened (the one refused)."""
        if self.extend_form is not None and self.extend_form.is_bound:
            return "extend"
        if self.cancel_form is not None and self.cancel_form.is_bound:
            return "cancel"
        return ""


def recommendation_row(
    recommendation: Recommendation,
    today: dt.date,
    *,
    may_manage: bool = False,
    extend_form: RecommendationExtendForm | None = None,
    cancel_form: RecommendationCancelForm | None = None,
) -> RecommendationRow:
    manage = may_manage and recommendation.state in Recommendation.PENDING_STATES
    if manage:
        # Only the rows that show the forms build them (a list of 50 shows none).
        prefix = f"{{}}-{recommendation.pk}"
        extend_form = extend_form or RecommendationExtendForm(prefix=prefix.format("extend"))
        cancel_form = cancel_form or RecommendationCancelForm(prefix=prefix.format("cancel"))
    return RecommendationRow(
        recommendation=recommendation,
        overdue=recommendation.overdue_on(today),
        url=recommendation_url(recommendation.pk),
        may_manage=manage,
        extend_form=extend_form,
        cancel_form=cancel_form,
    )


@require_GET
@login_required
def recommendations(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    today = timezone.localdate()
    form = RecommendationFilterForm(
        request.GET or None, units=lambda: recommendation_units_visible_to(user)
    )
    form.is_valid()
    rows = form.filter(recommendations_visible_to(user), today)
    # The summary by unit counts the filtered rows still to be carried out.
    unit_counts = list(
        rows.filter(state__in=Recommendation.PENDING_STATES)
        .values("addressee_id", "addressee__name")
        .annotate(
            pending=Count("pk"),
            late=Count("pk", filter=Recommendation.overdue_condition(today)),
        )
        .order_by("-late", "-pending", "addressee__name")[:UNIT_COUNTS_SHOWN]
    )
    page = Paginator(rows.order_by(*form.ordering()), RECOMMENDATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    visit_id = getattr(form, "cleaned_data", {}).get("visit")
    context: dict[str, Any] = {
        "title": _("Recommendations"),
        "form": form,
        "filter_problems": filter_problems(form),
        "page": page,
        "rows": _rows_html(list(page), today, group_by_unit=form.active_sort == "unit"),
        "unit_counts": unit_counts,
        # Named only when the person may look it up (else the filter just finds nothing).
        "filtered_visit": conclusion_visits_visible_to(user).filter(pk=visit_id).first()
        if visit_id
        else None,
        "query": _query_without(request, "page"),
        "sort_query": _query_without(request, "page", "sort"),
        "no_visit_query": _query_without(request, "page", "visit"),
        "export_url": recommendations_export_url(form),
    }
    return render(request, "web/recommendations/list.html", context)


def _rows_html(
    page: list[Recommendation], today: dt.date, *, group_by_unit: bool
) -> list[SafeString]:
    """The table's rows (web.views.recommendation_rows), each unit's heading first
    when grouped by unit; the links reversed once for the page."""
    labels = RecommendationLabels.translated()
    conclusion_url = url_of_id("web:conclusion", "visit_id")
    page_url = url_of_id("web:recommendation", "recommendation_id")
    rows, previous = [], None
    for rec in page:
        rows.append(
            recommendation_row_html(
                rec,
                overdue=rec.overdue_on(today),
                url=page_url(rec.pk),
                conclusion_url=conclusion_url(rec.visit_id),
                group_heading=group_by_unit and rec.addressee_id != previous,
                labels=labels,
            )
        )
        previous = rec.addressee_id
    return rows


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
