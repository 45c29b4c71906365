"""API routes of official documents (included by api/urls.py, after its `id`
converter)."""

from django.urls import path

from api.views.documents import (
    DocumentFileView,
    DocumentViewSet,
    ProgrammeDocumentPdfView,
    ProgrammeDocumentView,
    VisitDocumentPdfView,
    VisitDocumentView,
)

document_list = DocumentViewSet.as_view({"get": "list", "post": "create"})
document_detail = DocumentViewSet.as_view({"get": "retrieve"})

urlpatterns: list = [
    path(
        "visits/<id:visit_pk>/documents/<str:kind>.docx",
        VisitDocumentView.as_view(),
        name="visit-document",
    ),
    path(
        "programmes/<id:programme_pk>/documents/programme.docx",
        ProgrammeDocumentView.as_view(),
        name="programme-document",
    ),
    path(
        "visits/<id:visit_pk>/documents/<str:kind>.pdf",
        VisitDocumentPdfView.as_view(),
        name="visit-document-pdf",
    ),
    path(
        "programmes/<id:programme_pk>/documents/programme.pdf",
        ProgrammeDocumentPdfView.as_view(),
        name="programme-document-pdf",
    ),
    path("documents/", document_list, name="document-list"),
    path("documents/<id:pk>/", document_detail, name="document-detail"),
    path("documents/<id:pk>/file/", DocumentFileView.as_view(), name="document-file"),
]
