from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

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
    # Browsers ask for /favicon.ico whatever the page says: send them to the icon.
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
]
urlpatterns += [
    path("admin/", admin.site.urls),
    path("", include("web.urls")),
]
