"""Programmes (programmes/, SPEC §13): plan many visits together, see their clashes,
approve, close, and create their visits. Who may do what is the services'
decision (checklists.services.programmes); who sees which programmes the
selectors' (checklists.selectors.programmes): coordinators whose scope holds the
issuer; anyone else gets 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from api.filters import FilterSet, IdFilter, IntegerFilter
from api.schema import IF_MATCH, etag_header
from api.serializers_imports import ImportFileSerializer, ImportJobSerializer
from api.serializers_programmes import (
    EntryClashesSerializer,
    ProgrammeSerializer,
    ProgrammeUpdateSerializer,
    VisitsCreatedSerializer,
)
from api.views.base import ETagMixin, actor_of, expected_version, versioned_response
from api.views.imports import job_accepted
from checklists.models import Programme
from checklists.selectors.programmes import programmes_visible_to, programmes_with_entries
from checklists.services.import_jobs import import_submit
from checklists.services.imports import import_template
from checklists.services.programme_visits import programme_clashes, programme_create_visits
from checklists.services.programmes import (
    ProgrammeEntryInput,
    programme_approve,
    programme_close,
    programme_create,
    programme_delete,
    programme_update,
)
from checklists.uploads import XLSX

# The import's file comes as multipart form data, the other writes as JSON.
FILE_PARSERS = [MultiPartParser, FormParser]


class ProgrammeFilter(FilterSet):
    issuer = IdFilter(field_name="issuer_id")
    year = IntegerFilter(min_value=1900, max_value=2200)

    class Meta:
        model = Programme
        fields = ["year", "status", "issuer", "outline", "code"]


def _entries(data: list[dict[str, Any]]) -> list[ProgrammeEntryInput]:
    return [
        ProgrammeEntryInput(
            host_unit=e["host_unit"],
            lead=e["lead"],
            deputy=e.get("deputy"),
            secretary=e.get("secretary"),
            members=e.get("members", []),
            window_start=e["window_start"],
            window_end=e["window_end"],
        )
        for e in data
    ]


@extend_schema_view(
    retrieve=extend_schema(parameters=[etag_header(200)]),
    create=extend_schema(parameters=[etag_header(201)]),
    update=extend_schema(
        request=ProgrammeUpdateSerializer,
        responses={200: ProgrammeSerializer},
        parameters=[IF_MATCH, etag_header(200)],
    ),
    partial_update=extend_schema(
        request=ProgrammeUpdateSerializer,
        responses={200: ProgrammeSerializer},
        parameters=[IF_MATCH, etag_header(200)],
    ),
    destroy=extend_schema(parameters=[IF_MATCH]),
)
class ProgrammeViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Programmes of visits (SPEC §13). Coordinators create drafts with their
    entries (one per host unit), change and delete drafts, approve them, close
    approved ones, and create an approved programme's visits in one step."""

    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilter
    ordering_fields = ["year", "code", "title", "status", "created_at", "id"]
    ordering = ["-year", "code", "id"]
    search_fields = ["code", "title", "decision_ref"]

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return ProgrammeUpdateSerializer
        return ProgrammeSerializer

    def get_queryset(self) -> QuerySet[Programme]:
        return programmes_with_entries(programmes_visible_to(self.request.user))

    def _answer(self, programme: Programme, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=programme.pk)
        data = ProgrammeSerializer(fresh, context=self.get_serializer_context()).data
        return versioned_response(data, fresh.row_version, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        programme = self.get_object()
        return versioned_response(self.get_serializer(programme).data, programme.row_version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ProgrammeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        programme = programme_create(
            actor=actor_of(request),
            code=data["code"],
            title=data["title"],
            issuer=data["issuer"],
            year=data["year"],
            outline=data["outline"],
            decision_ref=data.get("decision_ref", ""),
            legal_basis=data.get("legal_basis", []),
            entries=_entries(data.get("entries", [])),
        )
        return self._answer(programme, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        programme = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = ProgrammeUpdateSerializer(
            programme, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not partial:
            # A PUT says the whole programme: what it leaves out is emptied.
            data.setdefault("decision_ref", "")
            data.setdefault("legal_basis", [])
            data.setdefault("entries", [])
        programme_update(
            actor=actor_of(request),
            programme=programme,
            expected_version=expected_version(request),
            legal_basis=data.pop("legal_basis", None),
            entries=_entries(data.pop("entries")) if "entries" in data else None,
            **data,
        )
        return self._answer(programme)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        programme_delete(
            actor=actor_of(request),
            programme=self.get_object(),
            expected_version=expected_version(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None, responses={200: ProgrammeSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """draft → approved: the entries are fixed; its visits may be created."""
        programme = programme_approve(
            actor=actor_of(request),
            programme=self.get_object(),
            expected_version=expected_version(request),
        )
        return self._answer(programme)

    @extend_schema(
        request=None, responses={200: ProgrammeSerializer}, parameters=[IF_MATCH, etag_header(200)]
    )
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """approved → closed: no more visits are created; those created go on."""
        programme = programme_close(
            actor=actor_of(request),
            programme=self.get_object(),
            expected_version=expected_version(request),
        )
        return self._answer(programme)

    @extend_schema(request=None, responses={200: VisitsCreatedSerializer})
    def create_visits(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create the visit of every entry that has none yet (an approved programme):
        entries with clash errors are skipped and listed with their clashes.
        Idempotent: run again, it creates only what is still missing."""
        result = programme_create_visits(actor=actor_of(request), programme=self.get_object())
        return Response(VisitsCreatedSerializer(result).data)

    @extend_schema(request=None, responses={200: EntryClashesSerializer(many=True)})
    def clashes(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Every entry's clashes (SPEC §13) against the stored visits and the other
        entries, errors first; entries without clashes are left out."""
        found = programme_clashes(actor=actor_of(request), programme=self.get_object())
        return Response(EntryClashesSerializer(found, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ImportFileSerializer},
        responses={200: ProgrammeSerializer, 202: ImportJobSerializer},
        parameters=[IF_MATCH, etag_header(200)],
    )
    def import_entries(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace a draft's entries with the rows of a spreadsheet (multipart `file`,
        .xlsx or .csv, the columns of `import/template/`): all rows or none; a 400
        problem lists each bad cell in `rows` (row, column, message). A file of
        more than IMPORT_INLINE_ROWS rows answers 202 with the import job the
        worker runs (`Location`: `imports/{id}/`)."""
        programme = self.get_object()
        form = ImportFileSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        outcome = import_submit(
            actor=actor_of(request),
            kind="programme_entries",
            programme=programme,
            upload=upload,
            expected_version=expected_version(request),
            filename=getattr(upload, "name", "") or "",
        )
        if outcome.job is not None:
            return job_accepted(request, outcome.job)
        return self._answer(programme)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    def import_template(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        """The empty .xlsx of a programme's entries, its headers in the request's
        language."""
        programme = self.get_object()
        content = import_template("programme_entries", actor=actor_of(request))
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"programme-{programme.pk}-entries.xlsx"
        )
        return response
