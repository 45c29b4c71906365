"""API routes of the outgoing registers (included by api/urls.py, after its `id`
converter)."""

from django.urls import path

from api.views.registers import RegisterViewSet

register_list = RegisterViewSet.as_view({"get": "list", "post": "create"})
register_detail = RegisterViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

urlpatterns: list = [
    path("registers/", register_list, name="register-list"),
    path("registers/<id:pk>/", register_detail, name="register-detail"),
]
