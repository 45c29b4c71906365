from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from api.authentication import signed_in
from api.filters import FilterSet, IdFilter
from api.serializers import UnitSerializer, UserSerializer
from checklists.models import Unit, User
from checklists.selectors import units_visible_to, users_visible_to
from checklists.services.people import (
    unit_create,
    unit_delete,
    unit_update,
    user_create,
    user_deactivate,
    user_update,
)


class UnitFilter(FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")
    within = IdFilter(method="filter_within", label=_("within this unit's subtree"))

    class Meta:
        model = Unit
        fields = ["kind", "parent", "code", "name"]

    def filter_within(self, queryset: QuerySet[Unit], name: str, value: int) -> QuerySet[Unit]:
        unit = Unit.objects.filter(pk=value).only("path").first()
        return queryset.filter(path__startswith=unit.path) if unit else queryset.none()


class UnitViewSet(viewsets.ModelViewSet):
    """The tree of units. Coordinators manage the units of their subtree (the
    services decide: checklists.services.people)."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["name", "code", "kind", "id"]
    ordering = ["path"]
    search_fields = ["name", "name_en", "code"]

    def get_queryset(self) -> QuerySet[Unit]:
        if getattr(self, "swagger_fake_view", False):  # the schema asks with no one signed in
            return Unit.objects.none()
        return units_visible_to(signed_in(self.request)).order_by("path")

    def perform_create(self, serializer: BaseSerializer[Unit]) -> None:
        serializer.instance = unit_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[Unit]) -> None:
        assert serializer.instance is not None
        serializer.instance = unit_update(
            actor=self.request.user, unit=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: Unit) -> None:
        unit_delete(actor=self.request.user, unit=instance)


class UserFilter(FilterSet):
    full_name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = User
        fields = [
            "is_coordinator",
            "coordinator_scope",
            "host_unit",
            "language",
            "notify",
            "is_active",
            "username",
        ]


class UserViewSet(viewsets.ModelViewSet):
    """People. Coordinators create people and give them roles; everyone may edit
    their own name, e-mail, language, e-mail preference (`notify`) and password. Deleting deactivates. The
    services decide who may do what (checklists.services.people)."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    ordering_fields = ["username", "full_name", "id"]
    ordering = ["username"]
    search_fields = ["username", "full_name", "email"]

    def get_queryset(self) -> QuerySet[User]:
        if getattr(self, "swagger_fake_view", False):  # the schema asks with no one signed in
            return User.objects.none()
        return (
            users_visible_to(signed_in(self.request))
            .select_related("coordinator_scope", "host_unit")
            .order_by("username")
        )

    def perform_create(self, serializer: BaseSerializer[User]) -> None:
        # Said explicitly, so that the audit event of the creation names the role.
        data = {"is_coordinator": False, **serializer.validated_data}
        serializer.instance = user_create(actor=self.request.user, **data)

    def perform_update(self, serializer: BaseSerializer[User]) -> None:
        assert serializer.instance is not None
        serializer.instance = user_update(
            actor=self.request.user, user=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance: User) -> None:
        user_deactivate(actor=self.request.user, user=instance)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.perform_destroy(self.get_object())
        return Response(status=204)
