"""API routes of the reports (included by api/urls.py)."""

urlpatterns: list = []
