"""The coverage of units (`units/coverage/`, SPEC §13): coordinators only; to anyone
else it does not exist (404). Who may read which subtree, and what the figures
mean, is checklists.selectors.unit_coverage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.authentication import signed_in
from api.exports import XlsxExportMixin, in_chunks
from api.filters import BooleanFilter, FilterSet, IdFilter, IntegerFilter
from api.serializers_coverage import CoverageEntrySerializer
from checklists.exports import Column
from checklists.exports.columns import coverage_columns
from checklists.models import Unit
from checklists.selectors.unit_coverage import (
    CoverageEntry,
    CoverageRows,
    CoverageScope,
    coverage_entries,
    coverage_units,
    unit_coverage_scope,
)

# Beyond this, `years` before today leaves the calendar (and nothing is that old).
MAX_YEARS = 100
DUE_AGAIN = _("only units due again (or not)")


class CoverageFilter(FilterSet):
    """`kind` filters the units; `within`, `years` and `due_again` shape the coverage
    itself and are applied by the view (their methods leave the rows as they are)."""

    within = IdFilter(method="applied_by_view", label=_("a unit of your scope: its subtree only"))
    years = IntegerFilter(
        method="applied_by_view",
        min_value=1,
        max_value=MAX_YEARS,
        label=_("years after which a unit is due again (default REINSPECTION_YEARS)"),
    )
    # Documented as a boolean, as api.filters.IntegerFilter documents its bounds.
    due_again = extend_schema_field({"type": "boolean", "description": str(DUE_AGAIN)})(
        BooleanFilter(method="applied_by_view", label=DUE_AGAIN)
    )

    class Meta:
        model = Unit
        fields = ["kind", "within", "years", "due_again"]

    def applied_by_view(self, queryset: QuerySet[Unit], name: str, value: Any) -> QuerySet[Unit]:
        return queryset


class UnitCoverageView(XlsxExportMixin, generics.ListAPIView):
    """Every unit of your subtree (or of `within`'s) in tree order, with its last
    inspection, its open and late recommendations, and whether it is due again."""

    serializer_class = CoverageEntrySerializer
    filterset_class = CoverageFilter
    ordering_fields = ["name", "code", "kind", "id"]
    ordering = ["path"]
    search_fields = ["name", "name_en", "code"]
    scope: CoverageScope  # set by get_queryset, read by list
    due_again: bool | None  # the same
    filters: CoverageFilter  # read and checked by coverage_scope
    export_stem, export_title = "coverage", _("Coverage of units")

    def export_columns(self) -> list[Column]:
        return coverage_columns()

    def export_rows(self, queryset: QuerySet[Unit]) -> Iterator[CoverageEntry]:
        # The entries of a chunk of units at a time: coverage_entries counts the
        # recommendations of the units it is given in one query.
        for chunk in in_chunks(queryset):
            yield from coverage_entries(self.scope, chunk)

    def coverage_scope(self) -> tuple[CoverageScope, bool | None]:
        query = CoverageFilter(self.request.query_params, queryset=Unit.objects.none())
        user = signed_in(self.request)
        if not query.is_valid():
            # To anyone but a coordinator coverage does not exist: 404 before any 400.
            unit_coverage_scope(user)
            raise ValidationError(query.errors)
        self.filters = query
        data = query.form.cleaned_data
        scope = unit_coverage_scope(user, within=data.get("within"), years=data.get("years"))
        return scope, data.get("due_again")

    def get_queryset(self) -> QuerySet[Unit]:
        if getattr(self, "swagger_fake_view", False):
            return Unit.objects.none()
        self.scope, self.due_again = self.coverage_scope()
        return coverage_units(self.scope, due_again=self.due_again)

    def searched_or_sorted(self) -> bool:
        """Whether the list is narrowed by `kind` or `search`, or in an order of
        its own (`ordering`), rather than the whole subtree in tree order."""
        params = self.request.query_params
        return bool(
            self.filters.form.cleaned_data.get("kind")
            or params.get(api_settings.SEARCH_PARAM)
            or params.get(api_settings.ORDERING_PARAM)
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The filters coverage_scope read and checked (`kind`), then search and
        ordering: django-filter's backend would build and check them once more."""
        queryset = self.filters.filter_queryset(queryset)
        for backend in self.filter_backends:
            if not issubclass(backend, DjangoFilterBackend):
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def list(  # type: ignore[override]
        self, request: Request, *args: Any, **kwargs: Any
    ) -> Response | FileResponse:
        exported = self.export_if_asked(request)
        if exported is not None:
            return exported
        self.scope, self.due_again = self.coverage_scope()
        units: QuerySet[Unit] | CoverageRows
        if self.searched_or_sorted():
            units = self.filter_queryset(coverage_units(self.scope, due_again=self.due_again))
        else:
            # The plain list in tree order: its count and page as statements compiled
            # once (CoverageRows), the queryset's own SQL without building it.
            units = CoverageRows(self.scope, self.due_again)
        page = self.paginate_queryset(units)
        assert page is not None  # every list is paginated (api.pagination)
        entries = coverage_entries(self.scope, page)
        return self.get_paginated_response(self.get_serializer(entries, many=True).data)
