"""The visit page and its draft-report pages, under visits/<visit_id>/."""

from django.urls import path

from web.views import conclusion, documents, reports, visit

urlpatterns = [
    path("", visit.visit_page, name="visit"),
    path(
        "checklist/<int:item_id>/",
        visit.checklist_item_change,
        name="checklist_item",
    ),
    path(
        "milestones/<int:milestone_id>/done/",
        visit.milestone_done,
        name="milestone_done",
    ),
    path("conclusion/", conclusion.conclusion_page, name="conclusion"),
    path("conclusion/issue/", conclusion.conclusion_issue_view, name="conclusion_issue"),
    path("conclusion/withdraw/", conclusion.conclusion_withdraw_view, name="conclusion_withdraw"),
    path(
        "conclusion/recommendations/<int:recommendation_id>/extend/",
        conclusion.recommendation_extend_view,
        name="recommendation_extend",
    ),
    path(
        "conclusion/recommendations/<int:recommendation_id>/cancel/",
        conclusion.recommendation_cancel_view,
        name="recommendation_cancel",
    ),
    path("documents/issue/", documents.visit_document_issue, name="document_issue"),
    path("reports/", reports.report_upload, name="report_upload"),
    path("reports/<int:revision_id>/", reports.revision_page, name="revision"),
    path("reports/<int:revision_id>/file/", reports.report_file, name="report_file"),
    path("reports/<int:revision_id>/review/", reports.revision_review, name="revision_review"),
    path(
        "reports/<int:revision_id>/comments/",
        reports.revision_comment_add,
        name="revision_comment_add",
    ),
    path(
        "reports/<int:revision_id>/comments/<int:comment_id>/answer/",
        reports.comment_answer,
        name="comment_answer",
    ),
    path(
        "reports/<int:revision_id>/comments/<int:comment_id>/state/",
        reports.comment_state,
        name="comment_state",
    ),
]
