"""The legal-instrument registry (SPEC §12): paste a citation to register it, read,
edit or mark replaced. The services decide who may (checklists.policies)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.authentication import signed_in
from api.filters import FilterSet, IntegerFilter
from api.serializers_legal import LegalInstrumentCreateSerializer, LegalInstrumentSerializer
from api.views.base import actor_of
from checklists.models import LegalInstrument
from checklists.selectors.legal import legal_instruments_visible_to
from checklists.services.legal_instruments import legal_instrument_add, legal_instrument_update


class LegalInstrumentFilter(FilterSet):
    title = filters.CharFilter(lookup_expr="icontains")
    # Declared: a PositiveSmallIntegerField is not among FilterSet's strict defaults.
    year = IntegerFilter(min_value=0, max_value=32767)

    class Meta:
        model = LegalInstrument
        fields = ["style", "type_code", "issuer_code", "year", "status", "number", "replaced_by"]


class LegalInstrumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Legal instruments. Any coordinator registers one by pasting its citation
    (`POST {"citation": …}`: 201 when new, 200 with the stored one when it is
    registered already, however it is spelt); coordinators of everything edit them
    and mark them replaced; teams and host contacts read them."""

    serializer_class = LegalInstrumentSerializer
    filterset_class = LegalInstrumentFilter
    ordering_fields = ["year", "number", "type_code", "issuer_code", "issued_on", "id"]
    ordering = ["-year", "type_code", "number", "id"]
    search_fields = ["citation", "number", "title", "issuer_name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[LegalInstrument]:
        if getattr(self, "swagger_fake_view", False):  # the schema asks with no one signed in
            return LegalInstrument.objects.none()
        return legal_instruments_visible_to(signed_in(self.request))

    @extend_schema(
        request=LegalInstrumentCreateSerializer,
        responses={200: LegalInstrumentSerializer, 201: LegalInstrumentSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = LegalInstrumentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instrument, created = legal_instrument_add(
            actor=actor_of(request), citation=serializer.validated_data["citation"]
        )
        return Response(
            LegalInstrumentSerializer(instrument, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instrument = self.get_object()
        serializer = self.get_serializer(instrument, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        instrument = legal_instrument_update(
            actor=actor_of(request), instrument=instrument, **serializer.validated_data
        )
        return Response(self.get_serializer(instrument).data)
