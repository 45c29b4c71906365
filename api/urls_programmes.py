"""API routes of programmes (included by api/urls.py, after its `id` converter)."""

from django.urls import path

from api.views.programmes import FILE_PARSERS, ProgrammeViewSet

programme_list = ProgrammeViewSet.as_view({"get": "list", "post": "create"})
programme_detail = ProgrammeViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns: list = [
    path("programmes/", programme_list, name="programme-list"),
    path("programmes/<id:pk>/", programme_detail, name="programme-detail"),
    path(
        "programmes/<id:pk>/approve/",
        ProgrammeViewSet.as_view({"post": "approve"}),
        name="programme-approve",
    ),
    path(
        "programmes/<id:pk>/close/",
        ProgrammeViewSet.as_view({"post": "close"}),
        name="programme-close",
    ),
    path(
        "programmes/<id:pk>/create-visits/",
        ProgrammeViewSet.as_view({"post": "create_visits"}),
        name="programme-create-visits",
    ),
    path(
        "programmes/<id:pk>/clashes/",
        ProgrammeViewSet.as_view({"get": "clashes"}, pagination_class=None, filter_backends=[]),
        name="programme-clashes",
    ),
    path(
        "programmes/<id:pk>/import/",
        ProgrammeViewSet.as_view({"post": "import_entries"}, parser_classes=FILE_PARSERS),
        name="programme-import",
    ),
    path(
        "programmes/<id:pk>/import/template/",
        ProgrammeViewSet.as_view({"get": "import_template"}, filter_backends=[]),
        name="programme-import-template",
    ),
]
