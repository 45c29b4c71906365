from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.filters import FilterSet, IdFilter
from api.serializers import UnitSerializer, UserSerializer
from checklists import policies
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

    def filter_within(self, queryset, name, value):
        unit = Unit.objects.filter(pk=value).only("path").first()
        return queryset.filter(path__startswith=unit.path) if unit else queryset.none()


def _require_coordinator_of(user: User, unit: Unit | None, *, field: str) -> None:
    if unit is None:
        if not policies.coordinates_everything(user):
            raise PermissionDenied(
                _("Only a coordinator of everything may leave “%(field)s” empty.")
                % {"field": field}
            )
    elif not policies.coordinates_unit(user, unit):
        raise PermissionDenied(
            _("%(unit)s is outside your scope, so you may not use it for “%(field)s”.")
            % {"unit": unit, "field": field}
        )


class UnitViewSet(viewsets.ModelViewSet):
    """The tree of units. Coordinators manage the units of their subtree."""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["name", "code", "kind", "id"]
    ordering = ["path"]
    search_fields = ["name", "name_en", "code"]

    def get_queryset(self):
        return units_visible_to(self.request.user).order_by("path")

    def _require_coordinator(self):
        if not policies.is_coordinator(self.request.user):
            raise PermissionDenied(_("Only coordinators manage units."))

    def perform_create(self, serializer):
        self._require_coordinator()
        _require_coordinator_of(
            self.request.user, serializer.validated_data.get("parent"), field="parent"
        )
        serializer.instance = unit_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        self._require_coordinator()
        unit = serializer.instance
        _require_coordinator_of(self.request.user, unit, field="unit")
        if "parent" in serializer.validated_data:
            _require_coordinator_of(
                self.request.user, serializer.validated_data["parent"], field="parent"
            )
        serializer.instance = unit_update(
            actor=self.request.user, unit=unit, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        self._require_coordinator()
        _require_coordinator_of(self.request.user, instance, field="unit")
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
            "is_active",
            "username",
        ]


SELF_EDITABLE = {"full_name", "email", "language", "password"}
NOT_THEIRS = gettext_lazy(
    "You may change only people attached to a unit within your scope; "
    "others are managed by a coordinator of everything."
)


class UserViewSet(viewsets.ModelViewSet):
    """People. Coordinators create people and give them roles; everyone may edit
    their own name, e-mail, language and password. Deleting deactivates."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    ordering_fields = ["username", "full_name", "id"]
    ordering = ["username"]
    search_fields = ["username", "full_name", "email"]

    def get_queryset(self):
        return (
            users_visible_to(self.request.user)
            .select_related("coordinator_scope", "host_unit")
            .order_by("username")
        )

    def _check_roles(self, data: dict) -> None:
        user = self.request.user
        if data.get("is_coordinator"):
            _require_coordinator_of(user, data.get("coordinator_scope"), field="coordinator_scope")
        elif data.get("coordinator_scope") is not None:
            _require_coordinator_of(user, data["coordinator_scope"], field="coordinator_scope")
        if data.get("host_unit") is not None:
            _require_coordinator_of(user, data["host_unit"], field="host_unit")

    def perform_create(self, serializer):
        if not policies.is_coordinator(self.request.user):
            raise PermissionDenied(_("Only coordinators create people."))
        data = dict(serializer.validated_data)
        data.setdefault("is_coordinator", False)
        self._check_roles(data)
        serializer.instance = user_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        actor = self.request.user
        target = serializer.instance
        data = dict(serializer.validated_data)
        if not policies.is_coordinator(actor):
            if target.pk != actor.pk or set(data) - SELF_EDITABLE:
                raise PermissionDenied(
                    _("You may change only your own name, e-mail, language and password.")
                )
        elif not policies.manages_person(actor, target):
            raise PermissionDenied(NOT_THEIRS)
        else:
            merged = {
                "is_coordinator": data.get("is_coordinator", target.is_coordinator),
                "coordinator_scope": data.get("coordinator_scope", target.coordinator_scope),
                "host_unit": data.get("host_unit", target.host_unit),
            }
            if set(data) & {"is_coordinator", "coordinator_scope", "host_unit"}:
                self._check_roles(merged)
        serializer.instance = user_update(actor=actor, user=target, **data)

    def perform_destroy(self, instance):
        if not policies.is_coordinator(self.request.user):
            raise PermissionDenied(_("Only coordinators deactivate people."))
        if instance.pk == self.request.user.pk:
            raise PermissionDenied(_("You cannot deactivate yourself."))
        if not policies.manages_person(self.request.user, instance):
            raise PermissionDenied(NOT_THEIRS)
        user_deactivate(actor=self.request.user, user=instance)

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return Response(status=204)
