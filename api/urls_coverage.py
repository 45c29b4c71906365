"""API route of the coverage of units (included by api/urls.py before the router's
`units/{id}/`, which could not match it anyway: its ids are digits)."""

from django.urls import path

from api.views.coverage import UnitCoverageView

urlpatterns: list = [
    path("units/coverage/", UnitCoverageView.as_view(), name="unit-coverage"),
]
