from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from api.filters import FilterSet
from api.serializers import OutlineImportSerializer, OutlineSerializer
from checklists.models import Outline
from checklists.outline_files import dump_outline
from checklists.selectors.outlines import outline_data, outlines_visible_to, outlines_with_parts
from checklists.services.outlines import (
    ItemData,
    MilestoneData,
    OutlineData,
    SectionData,
    outline_create,
    outline_delete,
    outline_for_change,
    outline_import,
    outline_new_version,
    outline_publish,
    outline_retire,
)


class OutlineFilter(FilterSet):
    title = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Outline
        fields = ["code", "version", "status", "language", "title"]


class YAMLFileRenderer(JSONRenderer):
    """Lets `Accept: application/yaml` reach the export, which writes the file
    itself; errors on the way are still rendered as JSON problem details."""

    media_type = "application/yaml"
    format = "yaml"


def outline_data_from_validated(data: dict[str, Any]) -> OutlineData:
    return OutlineData(
        code=data["code"],
        version=data["version"],
        title=data["title"],
        title_en=data.get("title_en", ""),
        language=data.get("language", "vi"),
        issuer=data.get("issuer", ""),
        references=tuple(data.get("references", ())),
        milestones=tuple(MilestoneData(**m) for m in data.get("milestones", ())),
        sections=tuple(
            SectionData(
                number=s["number"],
                title=s["title"],
                title_en=s.get("title_en", ""),
                items=tuple(
                    ItemData(
                        number=i["number"],
                        text=i["text"],
                        text_en=i.get("text_en", ""),
                        answer=i["answer_type"],
                    )
                    for i in s["items"]
                ),
            )
            for s in data["sections"]
        ),
    )


class OutlineViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Outlines (đề cương). Coordinators create drafts (as JSON or by importing a
    file), publish them and retire them; a published version never changes.
    Others see the outlines of the visits they see. Who may manage them is the
    services' decision (checklists.services.outlines)."""

    serializer_class = OutlineSerializer
    filterset_class = OutlineFilter
    ordering_fields = ["code", "version", "created_at", "id"]
    ordering = ["code", "-version"]
    search_fields = ["code", "title", "title_en"]

    def get_queryset(self) -> QuerySet[Outline]:
        return outlines_with_parts(outlines_visible_to(self.request.user))

    def perform_create(self, serializer: BaseSerializer[Outline]) -> None:
        serializer.instance = outline_create(
            actor=self.request.user, data=outline_data_from_validated(serializer.validated_data)
        )

    def _to_change(self) -> Outline:
        # Through the service, not get_object(): whether an outline exists is told
        # only to those who may manage it (coordinators, who see them all).
        return outline_for_change(actor=self.request.user, outline_id=self.kwargs["pk"])

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        outline_delete(actor=request.user, outline=self._to_change())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _answer(self, outline: Outline, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            self.get_serializer(self.get_queryset().get(pk=outline.pk)).data, status=code
        )

    @extend_schema(request=OutlineImportSerializer, responses={201: OutlineSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request) -> Response:
        """Import an outline file (YAML or JSON, field `file`) as a new draft version;
        `publish=true` publishes it at once. A bad file is refused with the line and
        key path of every problem, and nothing is saved."""
        form = OutlineImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        outline = outline_import(
            actor=request.user,
            content=form.validated_data["file"],
            publish=form.validated_data["publish"],
        )
        return self._answer(outline, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OutlineSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish a draft; the version of the same code published before it is retired."""
        return self._answer(outline_publish(actor=request.user, outline=self._to_change()))

    @extend_schema(request=None, responses={200: OutlineSerializer})
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(outline_retire(actor=request.user, outline=self._to_change()))

    @extend_schema(request=None, responses={201: OutlineSerializer})
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request: Request, pk: str | None = None) -> Response:
        """Start the next version as an editable draft copy of this one."""
        outline = outline_new_version(actor=request.user, outline=self._to_change())
        return self._answer(outline, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=["yaml", "json"],
                description=_(
                    "File format; without it, the Accept header decides (yaml by default)."
                ),
            )
        ],
        # The same outline file in either syntax; YAML parses to the same object.
        responses={
            (200, "application/yaml"): OpenApiTypes.OBJECT,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[YAMLFileRenderer, JSONRenderer])
    def export(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The outline as a file in the import format."""
        fmt = request.query_params.get("format", request.accepted_renderer.format)
        if fmt not in ("yaml", "json"):
            raise ValidationError({"format": [_("Choose yaml or json.")]})
        outline = self.get_object()
        text = dump_outline(outline_data(outline), fmt=fmt)
        response = HttpResponse(
            text.encode("utf-8"),
            content_type=("application/yaml" if fmt == "yaml" else "application/json")
            + "; charset=utf-8",
        )
        # The code is free text: a quote or a line break in it must not break the header.
        stem = re.sub(r"[^\w.-]+", "-", f"{outline.code}-v{outline.version}").strip("-.")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{stem or 'outline'}.{fmt}"
        )
        return response
