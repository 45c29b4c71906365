"""The document templates page, under documents/templates/ (web.views.document_templates)."""

from django.urls import path

# Registers the `id` path converter (at most 18 digits).
import backend.converters  # noqa: F401
from web.views import document_templates

urlpatterns = [
    path("", document_templates.template_list, name="document_templates"),
    path("example/<str:kind>.docx", document_templates.template_example, name="template_example"),
    path("<id:template_id>/file/", document_templates.template_file, name="template_file"),
    path("<id:template_id>/delete/", document_templates.template_delete, name="template_delete"),
]
