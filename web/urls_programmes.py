"""The programme pages, under programmes/ (web.views.programmes)."""

from django.urls import path

# Registers the `id` path converter (at most 18 digits).
import backend.converters  # noqa: F401
from web.views import documents, programmes

urlpatterns = [
    path("", programmes.programme_list, name="programmes"),
    path("<id:programme_id>/", programmes.programme_page, name="programme"),
    path("<id:programme_id>/import/", programmes.programme_import_view, name="programme_import"),
    path("<id:programme_id>/approve/", programmes.programme_approve_view, name="programme_approve"),
    path(
        "<id:programme_id>/create-visits/",
        programmes.programme_create_visits_view,
        name="programme_create_visits",
    ),
    path(
        "<id:programme_id>/documents/issue/",
        documents.programme_document_issue,
        name="programme_document_issue",
    ),
    path("<id:programme_id>/close/", programmes.programme_close_view, name="programme_close"),
]
