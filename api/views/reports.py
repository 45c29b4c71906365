"""Draft reports: revisions (upload, download), reviews, comments, diff and coverage.

Who may do what is SPEC §4 via checklists.policies.VisitAccess: a revision of a
visit the person does not see answers 404; a visit they see but may not act on
answers 403. The work is done by checklists.services.reports.
"""

from __future__ import annotations

import json

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Q
from django.http import Http404
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, NotFound, ParseError, ValidationError
from rest_framework.parsers import DataAndFiles, FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
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
from api.views.base import access_for
from api.views.visits import VisitChildMixin, visible_visits
from checklists.downloads import revision_file_response
from checklists.models import Visit
from checklists.models.reports import ReportRevision, ReviewComment
from checklists.policies import require
from checklists.services.reports import (
    CommentInput,
    DuplicateRevision,
    TextNotReady,
    report_comment_add,
    report_comment_answer,
    report_comment_set_state,
    report_revision_coverage,
    report_revision_diff,
    report_revision_review,
    report_revision_upload,
)
from checklists.uploads import DOCX, ODT, PDF, UploadRefused, check_file_name


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with existing data.")


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The file is too large.")


class _StrictNamesParser(DjangoMultiPartParser):
    """Django's parser silently strips folders from a file name ("../../x.docx"
    becomes "x.docx"); an upload that sends one is refused instead."""

    def sanitize_file_name(self, file_name):
        try:
            check_file_name(file_name)
        except UploadRefused as refused:
            raise ValidationError({"file": [refused.message]}) from None
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


def _revisions_for(user):
    """Revisions of the visits a person sees (a subquery: no duplicate rows)."""
    return ReportRevision.objects.filter(visit__in=visible_visits(user).values("pk"))


class RevisionMixin:
    """For views under reports/{pk}/: the revision and the person's standing."""

    def get_revision(self) -> ReportRevision:
        if getattr(self, "swagger_fake_view", False):
            return ReportRevision()
        if not hasattr(self, "_revision"):
            revision = get_object_or_404(_revisions_for(self.request.user), pk=self.kwargs["pk"])
            revision.visit = get_object_or_404(
                visible_visits(self.request.user), pk=revision.visit_id
            )
            self._revision = revision
        return self._revision

    def access(self):
        return access_for(self.request, self.get_revision().visit)


def _with_open_counts(queryset):
    return queryset.annotate(
        open_comment_count=Count("comments", filter=Q(comments__state=ReviewComment.State.OPEN))
    )


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
        return _with_open_counts(ReportRevision.objects.filter(visit=self.get_visit()))

    @extend_schema(
        request={"multipart/form-data": ReportUploadSerializer},
        responses={
            201: ReportRevisionSerializer,
            409: OpenApiResponse(description="A revision with identical content exists."),
            413: OpenApiResponse(description="The file is over the size limit."),
        },
    )
    def post(self, request, *args, **kwargs):
        visit: Visit = self.get_visit()
        require(access_for(request, visit), "can_upload_report")
        upload = request.FILES.get("file")
        if not isinstance(upload, UploadedFile):
            raise ValidationError({"file": [_("Send the report as a file in the field “file”.")]})
        try:
            revision = report_revision_upload(
                actor=request.user, visit=visit, content=upload, filename=upload.name or ""
            )
        except UploadRefused as refused:
            if refused.status == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE:
                raise PayloadTooLarge(refused.message) from None
            raise ValidationError({"file": [refused.message]}) from None
        except DuplicateRevision as duplicate:
            raise Conflict(str(duplicate)) from None
        revision = _with_open_counts(ReportRevision.objects.filter(pk=revision.pk)).get()
        return Response(ReportRevisionSerializer(revision).data, status=status.HTTP_201_CREATED)


class ReportRevisionView(RevisionMixin, generics.RetrieveAPIView):
    """One revision: its file's facts, review state and text status."""

    serializer_class = ReportRevisionSerializer

    def get_object(self):
        revision = self.get_revision()
        return _with_open_counts(ReportRevision.objects.filter(pk=revision.pk)).get()


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
    def get(self, request, pk: int):
        revision = self.get_revision()
        require(self.access(), "can_see")
        try:
            return revision_file_response(actor=request.user, revision=revision)
        except Http404 as missing:
            # The problem handler hides Http404 texts (they name models); this
            # one is meant for the reader.
            raise NotFound(str(missing)) from None


class ReportReviewView(RevisionMixin, APIView):
    """The team's decision on a revision: `accept` (meets the final-report deadline)
    or `request_changes`, with `comments` each optionally tied to an outline
    section (its id or its number)."""

    @extend_schema(request=ReviewInputSerializer, responses={201: ReviewSerializer})
    def post(self, request, pk: int):
        revision = self.get_revision()
        require(self.access(), "can_review")
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
        return ReviewComment.objects.filter(revision=self.get_revision()).select_related("section")

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request, pk: int):
        revision = self.get_revision()
        require(self.access(), "can_review")
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
    def patch(self, request, pk: int, comment_pk: int):
        revision = self.get_revision()
        comment = get_object_or_404(ReviewComment.objects.filter(revision=revision), pk=comment_pk)
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        access = self.access()
        if "response" in data:
            require(access, "can_answer_comments")
        if "state" in data:
            require(access, "can_review")
        if "response" in data:
            comment = report_comment_answer(
                actor=request.user, comment=comment, response=data["response"]
            )
        if "state" in data:
            comment = report_comment_set_state(
                actor=request.user, comment=comment, state=data["state"]
            )
        return Response(CommentSerializer(comment).data)


def _text_not_ready(exc: TextNotReady) -> Conflict:
    return Conflict(exc.message)


class ReportDiffView(RevisionMixin, APIView):
    """The unified diff of this revision's text against another revision of the
    same visit. While a text is still being extracted (or could not be), the
    answer is 409 with a message saying so."""

    @extend_schema(parameters=[DiffQuerySerializer], responses={200: DiffSerializer})
    def get(self, request, pk: int):
        revision = self.get_revision()
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        against = ReportRevision.objects.filter(
            pk=query.validated_data["against"], visit_id=revision.visit_id
        ).first()
        if against is None:
            raise ValidationError({"against": [_("This visit has no revision with that id.")]})
        try:
            diff = report_revision_diff(revision=revision, against=against)
        except TextNotReady as exc:
            raise _text_not_ready(exc) from None
        return Response(
            DiffSerializer(
                {"revision": revision.pk, "against": against.pk, "unified_diff": diff}
            ).data
        )


class ReportCoverageView(RevisionMixin, APIView):
    """Which sections of the visit's outline the revision covers and which it
    misses. 409 while its text is still being extracted (or could not be)."""

    @extend_schema(responses={200: CoverageSerializer})
    def get(self, request, pk: int):
        revision = self.get_revision()
        try:
            sections = report_revision_coverage(revision=revision)
        except TextNotReady as exc:
            raise _text_not_ready(exc) from None
        data = {
            "revision": revision.pk,
            "sections": [
                {"number": s.number, "title": s.title, "covered": s.covered} for s in sections
            ],
            "covered": sum(1 for s in sections if s.covered),
            "total": len(sections),
        }
        return Response(CoverageSerializer(data).data)
