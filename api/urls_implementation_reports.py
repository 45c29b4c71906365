"""API routes of implementation reports (included by api/urls.py, after its `id`
converter)."""

from django.urls import path

from api.views.implementation_reports import (
    ImplementationReportFileView,
    ImplementationReportVerdictView,
    ImplementationReportView,
    RecommendationReportsView,
)

urlpatterns: list = [
    path(
        "recommendations/<id:recommendation_pk>/reports/",
        RecommendationReportsView.as_view(),
        name="recommendation-reports",
    ),
    path(
        "implementation-reports/<id:pk>/",
        ImplementationReportView.as_view(),
        name="implementation-report-detail",
    ),
    path(
        "implementation-reports/<id:pk>/files/<id:file_pk>/",
        ImplementationReportFileView.as_view(),
        name="implementation-report-file",
    ),
    path(
        "implementation-reports/<id:pk>/verdict/",
        ImplementationReportVerdictView.as_view(),
        name="implementation-report-verdict",
    ),
]
