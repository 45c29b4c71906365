"""A unit's own document templates (SPEC §5 `document-templates/`, §12): the list a
coordinator may see (filters `issuer`, `kind`), an upload (multipart `issuer`,
`kind`, `file`), one template, its file, its deletion, and the built-in template
of each kind to start from (`example/{kind}.docx?style=party|state`). Who may and
what is accepted are decided by checklists.services.document_templates."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import FilterSet, IdFilter
from api.serializers_document_templates import (
    DocumentTemplateSerializer,
    DocumentTemplateUploadSerializer,
)
from api.views.base import actor_of
from api.views.reports import AnyMediaRenderer, ReportUploadParser
from checklists.downloads import attachment_response
from checklists.models import DocumentTemplate
from checklists.selectors.document_templates import document_templates_visible_to
from checklists.services.document_templates import (
    TemplateFile,
    document_template_delete,
    document_template_example,
    document_template_file,
    document_template_upload,
)
from checklists.uploads import DOCX


def _docx_response(answer: TemplateFile) -> HttpResponse:
    return attachment_response(answer.data, filename=answer.filename, content_type=DOCX)


class DocumentTemplateFilter(FilterSet):
    issuer = IdFilter(field_name="issuer_id")
    kind = filters.ChoiceFilter(choices=DocumentTemplate.Kind.choices)

    class Meta:
        model = DocumentTemplate
        fields = ["issuer", "kind"]


class DocumentTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The units' own templates in the coordinator's scope. `POST` (multipart
    `issuer`, `kind`, `file`) checks the .docx against sample data and replaces the
    unit's template of that kind; a template that does not fill is refused (400)
    naming the placeholder and the reason. `DELETE` returns to the built-in one."""

    serializer_class = DocumentTemplateSerializer
    filterset_class = DocumentTemplateFilter
    parser_classes = [ReportUploadParser, FormParser]
    ordering_fields = ["uploaded_at", "kind", "id"]
    ordering = ["issuer__name", "kind", "id"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[DocumentTemplate]:
        if getattr(self, "swagger_fake_view", False):
            return DocumentTemplate.objects.none()
        return document_templates_visible_to(self.request.user)

    @extend_schema(
        request={"multipart/form-data": DocumentTemplateUploadSerializer},
        responses={
            201: DocumentTemplateSerializer,
            413: OpenApiResponse(description="The file is over the size limit."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DocumentTemplateUploadSerializer(data=request.data)
        upload = request.FILES.get("file")
        if not isinstance(upload, UploadedFile):
            raise ValidationError({"file": [_("Send the template as a file in the field “file”.")]})
        serializer.is_valid(raise_exception=True)
        template = document_template_upload(
            actor=actor_of(request),
            issuer=serializer.validated_data["issuer"],
            kind=serializer.validated_data["kind"],
            upload=upload,
            filename=upload.name or "",
        )
        body = DocumentTemplateSerializer(template, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        document_template_delete(actor=actor_of(request), template=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentTemplateFileView(APIView):
    """The uploaded template, as it was stored."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(responses={(200, DOCX): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        # Existence only: whether the person may have it is the service's answer.
        template = DocumentTemplate.objects.select_related("issuer").filter(pk=pk).first()
        if template is None:
            raise Http404
        return _docx_response(document_template_file(actor=actor_of(request), template=template))


class DocumentTemplateExampleView(APIView):
    """The built-in template of a kind, with its placeholders: where one's own starts."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("style", str, enum=["party", "state"], required=False)],
        responses={(200, DOCX): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, kind: str) -> HttpResponse:
        answer = document_template_example(
            actor=actor_of(request), kind=kind, style=request.query_params.get("style") or None
        )
        return _docx_response(answer)
