from csp.constants import SELF
from csp.decorators import csp_replace
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter
from rest_framework.viewsets import GenericViewSet

from api.views.audit import AuditEventViewSet
from api.views.auth import TokenView
from api.views.checklist import ChecklistItemViewSet, VisitChecklistView
from api.views.milestones import MilestoneViewSet, VisitMilestonesView
from api.views.outlines import OutlineViewSet
from api.views.people import UnitViewSet, UserViewSet
from api.views.visits import VisitViewSet

# Registers the `id` converter, which the routes below and the included ones use.
from backend.converters import ID


class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()
router.register("units", UnitViewSet, basename="unit")
router.register("users", UserViewSet, basename="user")
router.register("outlines", OutlineViewSet, basename="outline")
router.register("visits", VisitViewSet, basename="visit")
router.register("checklist-items", ChecklistItemViewSet, basename="checklist-item")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("audit", AuditEventViewSet, basename="audit")
# Ids beyond 64 bits never reach the database: they do not match and answer 404.
ID_LOOKUPS: list[type[GenericViewSet]] = [
    UnitViewSet,
    UserViewSet,
    OutlineViewSet,
    VisitViewSet,
    ChecklistItemViewSet,
    MilestoneViewSet,
    AuditEventViewSet,
]
for viewset in ID_LOOKUPS:
    # The router reads it with getattr(); drf-stubs does not declare it.
    viewset.lookup_value_regex = ID  # type: ignore[attr-defined]

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("visits/<id:visit_pk>/checklist/", VisitChecklistView.as_view(), name="visit-checklist"),
    path(
        "visits/<id:visit_pk>/milestones/", VisitMilestonesView.as_view(), name="visit-milestones"
    ),
    path("", include("api.urls_reports")),
    path("", include("api.urls_reminders")),
    path("", include("api.urls_calendar")),
    path("", include("api.urls_conclusions")),
    path("", include("api.urls_implementation_reports")),
    path("", include("api.urls_legal")),
    path("", include("api.urls_imports")),
    path("", include("api.urls_coverage")),
    path("", include("api.urls_programmes")),
    path("", include("api.urls_registers")),
    path("", include("api.urls_documents")),
    path("", include("api.urls_document_templates")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file of its own, so the
    # page needs no inline script under the Content-Security-Policy.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Our template: drf-spectacular's loads web fonts from Google. ReDoc runs its
    # search index in a worker it builds from a blob: URL of its own script, so this
    # page alone allows blob: workers (no other script may run here anyway).
    path(
        "redoc/",
        csp_replace({"worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    *router.urls,
]
