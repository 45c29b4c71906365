"""Celery tasks for reminders."""

from __future__ import annotations

__all__: list[str] = []
