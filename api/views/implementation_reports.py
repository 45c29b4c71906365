"""Implementation reports (SPEC §5): recommendations/{id}/reports/ (list; multipart
POST reports), implementation-reports/{id}/, …/files/{file_id}/ (download, audited)
and …/verdict/. Who sees which rows is checklists.selectors.implementation_reports';
who may act, checklists.services.implementation_reports'."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.parsers import JSONParser
from api.serializers_implementation_reports import (
    ImplementationReportInputSerializer,
    ImplementationReportSerializer,
    VerdictInputSerializer,
)
from api.views.base import actor_of
from api.views.reports import AnyMediaRenderer, ReportUploadParser
from checklists.downloads import evidence_file_response
from checklists.models import EvidenceFile, ImplementationReport, Recommendation
from checklists.selectors.conclusions import recommendations_visible_to
from checklists.selectors.implementation_reports import (
    implementation_reports_visible_to,
    recommendation_reports,
)
from checklists.services.implementation_reports import (
    EvidenceUpload,
    implementation_report_submit,
    implementation_report_verdict,
)


def _fresh(pk: int) -> ImplementationReport:
    """The report just written, with its files (the caller was allowed to write it)."""
    return ImplementationReport.objects.prefetch_related("files").get(pk=pk)


class RecommendationReportsView(generics.ListAPIView):
    """A recommendation's implementation reports, newest first; a multipart POST
    (`text`, `progress`, evidence in `files`) reports on an open one: the
    addressee unit's contacts (the host unit's when it has none) or a coordinator."""

    serializer_class = ImplementationReportSerializer
    parser_classes = [ReportUploadParser, FormParser, JSONParser]
    ordering_fields = ["submitted_at", "id"]
    ordering = ["-submitted_at", "-id"]

    def get_recommendation(self) -> Recommendation:
        return get_object_or_404(
            recommendations_visible_to(self.request.user), pk=self.kwargs["recommendation_pk"]
        )

    def get_queryset(self) -> QuerySet[ImplementationReport]:
        if getattr(self, "swagger_fake_view", False):
            return ImplementationReport.objects.none()
        return recommendation_reports(self.get_recommendation())

    @extend_schema(
        request={"multipart/form-data": ImplementationReportInputSerializer},
        responses={
            201: ImplementationReportSerializer,
            409: OpenApiResponse(description="The recommendation is not open."),
            413: OpenApiResponse(description="A file, or the files together, too large."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        recommendation = self.get_recommendation()
        serializer = ImplementationReportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        uploads = [
            EvidenceUpload(content=upload, filename=upload.name or "")
            for upload in request.FILES.getlist("files")
            if isinstance(upload, UploadedFile)
        ]
        report = implementation_report_submit(
            actor=actor_of(request),
            recommendation=recommendation,
            text=serializer.validated_data["text"],
            progress=serializer.validated_data["progress"],
            files=uploads,
        )
        data = ImplementationReportSerializer(_fresh(report.pk), context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ImplementationReportMixin(APIView):
    def get_report(self) -> ImplementationReport:
        if getattr(self, "swagger_fake_view", False):
            return ImplementationReport()
        return get_object_or_404(
            implementation_reports_visible_to(self.request.user), pk=self.kwargs["pk"]
        )


class ImplementationReportView(ImplementationReportMixin, generics.RetrieveAPIView):
    """One implementation report with its files and verdict."""

    serializer_class = ImplementationReportSerializer

    def get_object(self) -> ImplementationReport:
        return self.get_report()


class ImplementationReportFileView(ImplementationReportMixin):
    """An evidence file, as an attachment under its original name; audited."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, file_pk: int) -> FileResponse:
        report = self.get_report()
        evidence = EvidenceFile.objects.filter(pk=file_pk, report_id=report.pk).first()
        if evidence is None:
            raise Http404
        evidence.report = report
        return evidence_file_response(actor=request.user, evidence=evidence)


class ImplementationReportVerdictView(ImplementationReportMixin):
    """The verdict on the report waiting for it: `accepted` (the recommendation is
    done) or `returned` with a `verdict_note` (open again). The team's lead or
    deputy or a coordinator."""

    @extend_schema(
        request=VerdictInputSerializer,
        responses={
            200: ImplementationReportSerializer,
            409: OpenApiResponse(description="The report already has its verdict."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        report = self.get_report()
        serializer = VerdictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        implementation_report_verdict(
            actor=actor_of(request),
            report=report,
            verdict=serializer.validated_data["verdict"],
            verdict_note=serializer.validated_data["verdict_note"],
        )
        data = ImplementationReportSerializer(_fresh(report.pk), context={"request": request}).data
        return Response(data)
