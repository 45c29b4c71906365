"""Outgoing registers (SPEC §12): a coordinator lists their units' registers, opens
one, or raises its next number when the office already gave numbers on paper. The
services decide who may and what (checklists.services.registers)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.authentication import signed_in
from api.filters import FilterSet, IdFilter, IntegerFilter
from api.serializers_registers import RegisterRaiseSerializer, RegisterSerializer
from api.views.base import actor_of
from checklists.models import OutgoingRegister
from checklists.selectors.registers import registers_visible_to
from checklists.services.registers import register_create, register_raise


class RegisterFilter(FilterSet):
    unit = IdFilter(field_name="unit_id")
    year = IntegerFilter(min_value=0)

    class Meta:
        model = OutgoingRegister
        fields = ["unit", "type_code", "year"]


class RegisterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Outgoing registers of the units in the coordinator's scope: `POST` opens one
    (`unit`, `type_code` KL/KH/BC, `year`, `next_number`), `PATCH {"next_number": n}`
    raises its next number; lowering it answers 409 (numbers below may be given)."""

    serializer_class = RegisterSerializer
    filterset_class = RegisterFilter
    ordering_fields = ["year", "type_code", "unit", "next_number", "updated_at", "id"]
    ordering = ["-year", "unit", "type_code", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[OutgoingRegister]:
        if getattr(self, "swagger_fake_view", False):  # the schema asks with no one signed in
            return OutgoingRegister.objects.none()
        return registers_visible_to(signed_in(self.request))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        register = register_create(actor=actor_of(request), **serializer.validated_data)
        return Response(self.get_serializer(register).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RegisterRaiseSerializer, responses=RegisterSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        register = self.get_object()
        serializer = RegisterRaiseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        register = register_raise(
            actor=actor_of(request),
            register=register,
            next_number=serializer.validated_data["next_number"],
        )
        return Response(self.get_serializer(register).data)
