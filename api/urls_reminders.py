"""API routes of the reminders (included by api/urls.py)."""

urlpatterns: list = []
