"""Official documents (SPEC §5, §12): visits/{id}/documents/{kind}.docx and
programmes/{id}/documents/programme.docx (a draft rendered now, or the frozen copy
once issued), the same as .pdf, documents/ (issued copies the person sees; POST issues a programme's
document or a follow-up report), documents/{id}/ and documents/{id}/file/.
Who may is decided by checklists.services.documents."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import FilterSet, IdFilter
from api.serializers_documents import (
    DocumentDetailSerializer,
    DocumentIssueSerializer,
    DocumentSerializer,
)
from api.views.base import actor_of
from api.views.reports import AnyMediaRenderer
from checklists.models import Document, Programme, Visit
from checklists.selectors.documents import documents_visible_to
from checklists.services.documents import (
    DOCX_TYPE,
    PDF_TYPE,
    DocumentFile,
    document_draft,
    document_file,
    document_issue,
    document_pdf_get,
)


def file_response(request: Request, answer: DocumentFile) -> HttpResponse:
    """The .docx or .pdf as an attachment, never rendered inline; an issued copy
    carries its SHA-256 as a strong ETag (the same bytes every time)."""
    etag = f'"{answer.document.sha256}"' if answer.document is not None else None
    if etag is not None and request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(answer.data, content_type=answer.content_type)
        response["Content-Disposition"] = f'attachment; filename="{answer.filename}"'
    if etag is not None:
        response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _found(queryset: QuerySet[Any], pk: int) -> Any:
    # Existence only: whether the person may see it is the service's answer.
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class VisitDocumentView(APIView):
    """A visit's document (`conclusion`, `followup`, `checklist`) as .docx."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(responses={(200, DOCX_TYPE): OpenApiTypes.BINARY})
    def get(self, request: Request, visit_pk: int, kind: str) -> HttpResponse:
        visit = _found(Visit.objects.select_related("host_unit", "issuer"), visit_pk)
        answer = document_draft(actor=actor_of(request), kind=kind, visit=visit)
        return file_response(request, answer)


class ProgrammeDocumentView(APIView):
    """A programme's document as .docx."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(responses={(200, DOCX_TYPE): OpenApiTypes.BINARY})
    def get(self, request: Request, programme_pk: int) -> HttpResponse:
        programme = _found(Programme.objects.select_related("issuer", "outline"), programme_pk)
        answer = document_draft(actor=actor_of(request), kind="programme", programme=programme)
        return file_response(request, answer)


PDF_UNAVAILABLE = OpenApiResponse(
    description="LibreOffice is missing, the conversion queue is full or the wait ran out; "
    "the .docx still works."
)


class VisitDocumentPdfView(APIView):
    """A visit's document as PDF (503 when LibreOffice cannot make it)."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(
        responses={
            (200, PDF_TYPE): OpenApiTypes.BINARY,
            409: OpenApiResponse(description="A follow-up report before the conclusion."),
            503: PDF_UNAVAILABLE,
        }
    )
    def get(self, request: Request, visit_pk: int, kind: str) -> HttpResponse:
        visit = _found(Visit.objects.select_related("host_unit", "issuer"), visit_pk)
        answer = document_pdf_get(actor=actor_of(request), kind=kind, visit=visit)
        return file_response(request, answer)


class ProgrammeDocumentPdfView(APIView):
    """A programme's document as PDF."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(responses={(200, PDF_TYPE): OpenApiTypes.BINARY, 503: PDF_UNAVAILABLE})
    def get(self, request: Request, programme_pk: int) -> HttpResponse:
        programme = _found(Programme.objects.select_related("issuer", "outline"), programme_pk)
        answer = document_pdf_get(actor=actor_of(request), kind="programme", programme=programme)
        return file_response(request, answer)


class DocumentFilter(FilterSet):
    visit = IdFilter(field_name="visit_id")
    programme = IdFilter(field_name="programme_id")
    kind = filters.ChoiceFilter(choices=Document.Kind.choices)

    class Meta:
        model = Document
        fields = ["visit", "programme", "kind"]


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Issued copies the person may see. POST issues a programme's document or a
    visit's follow-up report (`kind`, `visit` or `programme`)."""

    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["issued_on", "number", "id"]
    ordering = ["-issued_on", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Document]:
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return documents_visible_to(self.request.user)

    def get_serializer_class(self) -> type[DocumentSerializer]:
        return DocumentSerializer if self.action == "list" else DocumentDetailSerializer

    @extend_schema(request=DocumentIssueSerializer, responses={201: DocumentDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DocumentIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        visit = programme = None
        if "programme" in data:
            programme = _found(Programme.objects.select_related("issuer"), data["programme"])
        else:
            visit = _found(Visit.objects.select_related("host_unit", "issuer"), data["visit"])
        document = document_issue(
            actor=actor_of(request),
            kind=data["kind"],
            visit=visit,
            programme=programme,
            issued_on=data.get("issued_on"),
        )
        body = DocumentDetailSerializer(document, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


class DocumentFileView(APIView):
    """An issued copy's bytes, the same every time (ETag = its SHA-256); audited."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(
        responses={(200, DOCX_TYPE): OpenApiTypes.BINARY, (200, PDF_TYPE): OpenApiTypes.BINARY}
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        document = _found(Document.objects.select_related("visit", "programme__issuer"), pk)
        return file_response(request, document_file(actor=actor_of(request), document=document))
