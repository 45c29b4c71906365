"""Draft reports: revisions (upload, download), reviews, comments, diff and coverage.

A revision of a visit the person does not see answers 404 (the selectors find
none). Everything else, who may do what (SPEC §4) included, is decided by
checklists.services.reports, whose refusals api.problems maps: 403 for what
the person may not do, 409 for a copy of a revision or a text not extracted
yet, 413 for a file too large, 400 for a file that is not a report.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import DataAndFiles, FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import FilterSet
from api.serializers_reports import (
    CommentCreateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    CoverageSerializer,
    DiffQuerySerializer,
    DiffSerializer,
    ReportRevisionSerializer,
    ReportUploadSerializer,
    ReviewInputSerializer,
    ReviewSerializer,
)
from api.views.base import VisitChildMixin
from checklists.downloads import revision_file_response
from checklists.models import Visit
from checklists.models.reports import ReportRevision, ReviewComment
from checklists.selectors.reports import (
    revision_visible_to,
    revision_with_open_count,
    visit_revisions,
)
from checklists.services.reports import (
    CommentInput,
    report_comment_add,
    report_comment_update,
    report_revision_coverage,
    report_revision_diff,
    report_revision_review,
    report_revision_upload,
)
from checklists.uploads import DOCX, ODT, PDF, check_file_name


class _StrictNamesParser(DjangoMultiPartParser):
    """Django's parser silently strips folders from a file name ("../../x.docx"
    becomes "x.docx"); an upload that sends one is refused instead (the uploads'
    refusal is invalid input of the field `file`, 400)."""

    def sanitize_file_name(self, file_name: str) -> str | None:
        check_file_name(file_name)
        return super().sanitize_file_name(file_name)


class ReportUploadParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        encoding = parser_context.get("encoding", "utf-8")
        try:
            parser = _StrictNamesParser(meta, stream, request.upload_handlers, encoding)
            data, files = parser.parse()
        except MultiPartParserError as exc:
            raise ParseError(
                _("The multipart form cannot be read: %(error)s") % {"error": exc}
            ) from None
        return DataAndFiles(data, files)


class AnyMediaRenderer(BaseRenderer):
    """Lets a download be asked for with any Accept header; errors stay JSON."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class RevisionMixin(APIView):
    """For views under reports/{pk}/: the revision, if the person sees its visit
    (404 otherwise); its visit carries the person's team role, so the services'
    permission check costs no query."""

    def get_revision(self) -> ReportRevision:
        if getattr(self, "swagger_fake_view", False):
            return ReportRevision()
        if not hasattr(self, "_revision"):
            revision = revision_visible_to(self.request.user, self.kwargs["pk"])
            if revision is None:
                raise Http404
            self._revision = revision
        return self._revision


class RevisionFilter(FilterSet):
    state = filters.MultipleChoiceFilter(choices=ReportRevision.State.choices)
    text_status = filters.MultipleChoiceFilter(choices=ReportRevision.TextStatus.choices)

    class Meta:
        model = ReportRevision
        fields = ["state", "text_status"]


class VisitReportsView(VisitChildMixin, generics.ListAPIView):
    """A visit's draft-report revisions; a multipart POST (file in field `file`)
    uploads the next one. Accepted: .docx, .odt, .pdf, recognised by content."""

    serializer_class = ReportRevisionSerializer
    filterset_class = RevisionFilter
    ordering_fields = ["number", "uploaded_at", "id"]
    ordering = ["-number"]
    parser_classes = [ReportUploadParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportRevision.objects.none()
        return visit_revisions(self.get_visit())

    @extend_schema(
        request={"multipart/form-data": ReportUploadSerializer},
        responses={
            201: ReportRevisionSerializer,
            409: OpenApiResponse(description="A revision with identical content exists."),
            413: OpenApiResponse(description="The file is over the size limit."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit: Visit = self.get_visit()
        upload = request.FILES.get("file")
        if not isinstance(upload, UploadedFile):
            raise ValidationError({"file": [_("Send the report as a file in the field “file”.")]})
        revision = report_revision_upload(
            actor=request.user, visit=visit, content=upload, filename=upload.name or ""
        )
        return Response(
            ReportRevisionSerializer(revision_with_open_count(revision.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class ReportRevisionView(RevisionMixin, generics.RetrieveAPIView):
    """One revision: its file's facts, review state and text status."""

    serializer_class = ReportRevisionSerializer

    def get_object(self) -> ReportRevision:
        return revision_with_open_count(self.get_revision().pk)


class ReportFileView(RevisionMixin, APIView):
    """The revision's file, as an attachment under its original name; audited."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(
        responses={
            (200, DOCX): OpenApiTypes.BINARY,
            (200, ODT): OpenApiTypes.BINARY,
            (200, PDF): OpenApiTypes.BINARY,
        }
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        return revision_file_response(actor=request.user, revision=self.get_revision())


class ReportReviewView(RevisionMixin, APIView):
    """The team's decision on a revision: `accept` (meets the final-report deadline)
    or `request_changes`, with `comments` each optionally tied to an outline
    section (its id or its number)."""

    @extend_schema(request=ReviewInputSerializer, responses={201: ReviewSerializer})
    def post(self, request: Request, pk: int) -> Response:
        revision = self.get_revision()
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review = report_revision_review(
            actor=request.user,
            revision=revision,
            decision=data["decision"],
            comments=[
                CommentInput(text=c["text"], section=c.get("section"))
                for c in data.get("comments", [])
            ],
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class CommentFilter(FilterSet):
    state = filters.MultipleChoiceFilter(choices=ReviewComment.State.choices)

    class Meta:
        model = ReviewComment
        fields = ["state", "section"]


class ReportCommentsView(RevisionMixin, generics.ListAPIView):
    """The comments on a revision (those carried over from the previous one
    included, with `carried_from`); POST adds a comment of the team."""

    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewComment.objects.none()
        return self.get_revision().comments.select_related("section")

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        revision = self.get_revision()
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = report_comment_add(
            actor=request.user,
            revision=revision,
            text=serializer.validated_data["text"],
            section=serializer.validated_data.get("section"),
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class ReportCommentView(RevisionMixin, APIView):
    """One comment: the host answers it (`response`), the team marks it
    `resolved` or `not_accepted` (`state`)."""

    @extend_schema(request=CommentUpdateSerializer, responses={200: CommentSerializer})
    def patch(self, request: Request, pk: int, comment_pk: int) -> Response:
        # Through the revision's comments: each comes back pointing at the revision
        # already loaded, and the service's check needs no query.
        comment = get_object_or_404(self.get_revision().comments.all(), pk=comment_pk)
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        comment = report_comment_update(
            actor=request.user,
            comment=comment,
            response=data.get("response"),
            state=data.get("state"),
        )
        return Response(CommentSerializer(comment).data)


class ReportDiffView(RevisionMixin, APIView):
    """This revision compared with another revision of the same visit, as kept by
    the worker: per outline section (`number` null for the text before the first
    one), paragraph by paragraph, the changed words of a replaced paragraph as
    `spans`; the words inserted and deleted; and the unified diff, line by line.
    While a text is still being extracted (or could not be), the answer is 409
    with a message saying so."""

    @extend_schema(parameters=[DiffQuerySerializer], responses={200: DiffSerializer})
    def get(self, request: Request, pk: int) -> Response:
        revision = self.get_revision()
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        against = ReportRevision.objects.filter(
            pk=query.validated_data["against"], visit_id=revision.visit_id
        ).first()
        if against is None:
            raise ValidationError({"against": [_("This visit has no revision with that id.")]})
        diff = report_revision_diff(actor=request.user, revision=revision, against=against)
        data = {
            "revision": revision.pk,
            "against": against.pk,
            "unified_diff": diff.unified_diff,
            "sections": diff.sections,
            "inserted": diff.inserted,
            "deleted": diff.deleted,
        }
        # The kept result has the serializer's shape already: answered as it is, since
        # a field-by-field pass over a 30-page comparison costs more than the rest.
        return Response(data)


class ReportCoverageView(RevisionMixin, APIView):
    """Which sections of the visit's outline the revision covers and which it
    misses. 409 while its text is still being extracted (or could not be)."""

    @extend_schema(responses={200: CoverageSerializer})
    def get(self, request: Request, pk: int) -> Response:
        revision = self.get_revision()
        sections = report_revision_coverage(actor=request.user, revision=revision)
        data = {
            "revision": revision.pk,
            "sections": [
                {"number": s.number, "title": s.title, "covered": s.covered} for s in sections
            ],
            "covered": sum(1 for s in sections if s.covered),
            "total": len(sections),
        }
        return Response(CoverageSerializer(data).data)
