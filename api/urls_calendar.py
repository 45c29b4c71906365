"""API routes of the calendar (included by api/urls.py)."""

urlpatterns: list = []
