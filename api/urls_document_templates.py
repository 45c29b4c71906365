"""API routes of the units' own document templates (included by api/urls.py, after
its `id` converter)."""

from django.urls import path

from api.views.document_templates import (
    DocumentTemplateExampleView,
    DocumentTemplateFileView,
    DocumentTemplateViewSet,
)

template_list = DocumentTemplateViewSet.as_view({"get": "list", "post": "create"})
template_detail = DocumentTemplateViewSet.as_view({"get": "retrieve", "delete": "destroy"})

urlpatterns: list = [
    path("document-templates/", template_list, name="document-template-list"),
    path(
        "document-templates/example/<str:kind>.docx",
        DocumentTemplateExampleView.as_view(),
        name="document-template-example",
    ),
    path("document-templates/<id:pk>/", template_detail, name="document-template-detail"),
    path(
        "document-templates/<id:pk>/file/",
        DocumentTemplateFileView.as_view(),
        name="document-template-file",
    ),
]
