from django.contrib.auth.views import LogoutView
from django.urls import include, path

from web.views.auth import SetPasswordView, SignInView

app_name = "web"

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    # checklists.pages.SET_PASSWORD_PAGE
    path("password/set/<uidb64>/<token>/", SetPasswordView.as_view(), name="password-set"),
    path("", include("web.urls_dashboard")),
    path("visits/<int:visit_id>/", include("web.urls_visit")),
    path("recommendations/<int:recommendation_id>/", include("web.urls_recommendations")),
    path("programmes/", include("web.urls_programmes")),
    path("documents/templates/", include("web.urls_document_templates")),
]
