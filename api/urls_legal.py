"""API routes of the legal-instrument registry (included by api/urls.py, after its
`id` converter)."""

from django.urls import path

from api.views.legal_instruments import LegalInstrumentViewSet

instrument_list = LegalInstrumentViewSet.as_view({"get": "list", "post": "create"})
instrument_detail = LegalInstrumentViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

urlpatterns: list = [
    path("legal-instruments/", instrument_list, name="legal-instrument-list"),
    path("legal-instruments/<id:pk>/", instrument_detail, name="legal-instrument-detail"),
]
