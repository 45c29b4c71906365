from django.contrib import admin
from django.urls import include, path

import backend.converters  # noqa: F401  (registers `id` before any route uses it)
from api.views.calendar import calendar_feed
from backend.health import health

handler400 = "backend.handlers.handler400"
handler403 = "backend.handlers.handler403"
handler404 = "backend.handlers.handler404"
handler500 = "backend.handlers.handler500"

urlpatterns = [
    path("health/", health, name="health"),
    path("api/v1/", include("api.urls")),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += [
    path("admin/", admin.site.urls),
    path("", include("web.urls")),
]
