"""A recommendation's page and its forms, under recommendations/<recommendation_id>/."""

from django.urls import path

from web.views import follow_up

urlpatterns = [
    path("", follow_up.recommendation_page, name="recommendation"),
    path("reports/", follow_up.report_submit, name="recommendation_report"),
    path(
        "reports/<int:report_id>/verdict/",
        follow_up.report_verdict,
        name="recommendation_verdict",
    ),
    path(
        "reports/<int:report_id>/files/<int:file_id>/",
        follow_up.evidence_file,
        name="evidence_file",
    ),
]
