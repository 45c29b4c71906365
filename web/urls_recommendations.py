"""A recommendation's page and its forms, under recommendations/<recommendation_id>/."""

from django.urls import path

from web.views import recommendations

urlpatterns = [
    path("", recommendations.recommendation_page, name="recommendation"),
    path("reports/", recommendations.report_submit, name="recommendation_report"),
    path(
        "reports/<int:report_id>/verdict/",
        recommendations.report_verdict,
        name="recommendation_verdict",
    ),
    path(
        "reports/<int:report_id>/files/<int:file_id>/",
        recommendations.evidence_file,
        name="evidence_file",
    ),
]
