"""API routes of the reports (included by api/urls.py)."""

from django.urls import path

from api.views.reports import (
    ReportCommentsView,
    ReportCommentView,
    ReportCoverageView,
    ReportDiffView,
    ReportFileView,
    ReportReviewView,
    ReportRevisionView,
    VisitReportsView,
)

urlpatterns: list = [
    path("visits/<id:visit_pk>/reports/", VisitReportsView.as_view(), name="visit-reports"),
    path("reports/<id:pk>/", ReportRevisionView.as_view(), name="report-detail"),
    path("reports/<id:pk>/file/", ReportFileView.as_view(), name="report-file"),
    path("reports/<id:pk>/review/", ReportReviewView.as_view(), name="report-review"),
    path("reports/<id:pk>/comments/", ReportCommentsView.as_view(), name="report-comments"),
    path(
        "reports/<id:pk>/comments/<id:comment_pk>/",
        ReportCommentView.as_view(),
        name="report-comment",
    ),
    path("reports/<id:pk>/diff/", ReportDiffView.as_view(), name="report-diff"),
    path("reports/<id:pk>/coverage/", ReportCoverageView.as_view(), name="report-coverage"),
]
