"""Spreadsheet imports of units and people, and their empty templates (SPEC §5
"imports"). Each view makes one service call (checklists.services.imports); a
refused row comes back as a 400 problem with `errors.file` and `rows`; a file
larger than IMPORT_INLINE_ROWS answers 202 with the job the worker runs."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers_imports import (
    ImportFileSerializer,
    ImportJobSerializer,
    ImportResultSerializer,
)
from api.views.base import actor_of
from checklists.models import ImportJob
from checklists.services.import_jobs import import_job_get, import_submit
from checklists.services.imports import import_template
from checklists.uploads import XLSX


def job_accepted(request: Request, job: ImportJob) -> Response:
    """202 and where to follow the job: a file too large to import in a request."""
    response = Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
    response["Location"] = request.build_absolute_uri(reverse("api:import-job", args=[job.pk]))
    return response


class _ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    kind = ""

    @extend_schema(
        request=ImportFileSerializer,
        responses={201: ImportResultSerializer, 202: ImportJobSerializer},
    )
    def post(self, request: Request) -> Response:
        form = ImportFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        outcome = import_submit(
            actor=actor_of(request),
            kind=self.kind,
            upload=upload,
            filename=getattr(upload, "name", "") or "",
        )
        if outcome.job is not None:
            return job_accepted(request, outcome.job)
        result = outcome.result
        assert result is not None
        body = {
            "created": len(result.created),
            "updated": len(result.updated),
            "ids": result.created,
            "updated_ids": result.updated,
        }
        return Response(ImportResultSerializer(body).data, status=status.HTTP_201_CREATED)


class UnitImportView(_ImportView):
    """Import units (columns `code`, `name`, `kind`, `parent`, `document_symbol`; or
    their Vietnamese headers): all rows or none. A saved code updates its unit."""

    kind = "units"


class UserImportView(_ImportView):
    """Import people (columns `username`, `full_name`, `email`, `language`,
    `host_unit`, `coordinator_scope`): all rows or none; each person gets a
    one-time set-password e-mail."""

    kind = "users"


class ImportJobView(APIView):
    """An import run by the worker: its state, its counts, its per-row errors
    (`rows`: row, column, message) once it failed. Seen by the person who asked
    and coordinators in scope; 404 for anyone else."""

    @extend_schema(responses={200: ImportJobSerializer})
    def get(self, request: Request, pk: int) -> Response:
        job = import_job_get(actor=actor_of(request), job_id=pk)
        return Response(ImportJobSerializer(job).data)


class ImportTemplateView(APIView):
    """The empty .xlsx of an import, its headers in the request's language."""

    kind = ""

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    def get(self, request: Request) -> HttpResponse:
        content = import_template(self.kind, actor=actor_of(request))
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{self.kind}-import.xlsx"
        )
        return response
