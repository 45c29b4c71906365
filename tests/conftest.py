from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from tests import factories

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
PLAN10_YAML = SHARED / "data" / "plan10-outline.yaml"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        db = "SQLite (DATABASE_URL unset; CI runs the suite on PostgreSQL)"
    else:
        db = f"{engine} {settings.DATABASES['default']['NAME']}"
    broker = os.environ.get("REDIS_URL") or "embedded Redis (REDIS_URL unset)"
    return [f"database: {db}", f"broker: {broker}"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The production hasher spends ~0.3 s per password on purpose; tests create
    # hundreds of people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Assertions read the English source messages; the Vietnamese catalogue (the
    # product's default language) has tests of its own that ask for "vi".
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def local(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    """An aware datetime in Vietnam's time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=HCM)


@pytest.fixture
def plan10_outline(db):
    """The Plan 10 outline of ../shared/data, published."""
    return factories.plan10_outline()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
