"""API routes of the spreadsheet imports (included by api/urls.py before the
router's, so that `units/import/` is never read as a unit's id)."""

from django.urls import path

from api.views.imports import ImportJobView, ImportTemplateView, UnitImportView, UserImportView

urlpatterns: list = [
    path("imports/<id:pk>/", ImportJobView.as_view(), name="import-job"),
    path("units/import/", UnitImportView.as_view(), name="unit-import"),
    path(
        "units/import/template/",
        ImportTemplateView.as_view(kind="units"),
        name="unit-import-template",
    ),
    path("users/import/", UserImportView.as_view(), name="user-import"),
    path(
        "users/import/template/",
        ImportTemplateView.as_view(kind="users"),
        name="user-import-template",
    ),
]
