"""Spreadsheet imports of units and people, and their empty templates (SPEC §5
"imports"). Each view makes one service call (checklists.services.imports); a
refused row comes back as a 400 problem with `errors.file` and `rows`."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers_imports import ImportFileSerializer, ImportResultSerializer
from api.views.base import actor_of
from checklists.services.imports import (
    ImportResult,
    import_template,
    units_import,
    users_import,
)
from checklists.uploads import XLSX

Importer = Callable[..., ImportResult]


class _ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    importer: Importer

    @extend_schema(request=ImportFileSerializer, responses={201: ImportResultSerializer})
    def post(self, request: Request) -> Response:
        form = ImportFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        result = type(self).importer(actor=actor_of(request), upload=form.validated_data["file"])
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

    importer = staticmethod(units_import)


class UserImportView(_ImportView):
    """Import people (columns `username`, `full_name`, `email`, `language`,
    `host_unit`, `coordinator_scope`): all rows or none; each person gets a
    one-time set-password e-mail."""

    importer = staticmethod(users_import)


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
