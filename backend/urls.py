from django.contrib import admin
from django.urls import include, path

from api.health import health
from api.views.calendar import calendar_feed

handler400 = "api.problems.handler400"
handler403 = "api.problems.handler403"
handler404 = "api.problems.handler404"
handler500 = "api.problems.handler500"

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
