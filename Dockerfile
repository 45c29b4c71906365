# syntax=docker/dockerfile:1
# The production image: gunicorn by default; the same image runs the Celery worker
# and beat (docker-compose.yml overrides the command).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- vendor: the pages' front-end libraries from the npm registry (web/package-lock.json) ---
FROM node:20-bookworm-slim AS vendor
WORKDIR /app/web
COPY web/package.json web/package-lock.json web/build-vendor.sh ./
RUN ./build-vendor.sh

# --- build: the virtual environment, compiled messages and collected static files ---
FROM ${PYTHON_IMAGE} AS build

# Same uv as the Makefile, so the lock file is read the same way everywhere.
ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11

WORKDIR /app
# Dependencies first: this layer is reused until pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
COPY --from=vendor /app/web/static/vendor web/static/vendor
RUN uv sync --frozen --no-dev

# Git does not keep an empty locale/ and a checkout may have no catalogue yet;
# pybabel refuses to run without one, but a broken .po must still fail the build.
# locale_vendor/ holds the translations of third-party messages (settings.LOCALE_PATHS).
RUN mkdir -p locale locale_vendor \
    && if find locale -name '*.po' -print -quit | grep -q .; then \
        .venv/bin/pybabel compile --domain django --directory locale --statistics; \
    fi \
    && if find locale_vendor -name '*.po' -print -quit | grep -q .; then \
        .venv/bin/pybabel compile --domain django --directory locale_vendor --statistics; \
    fi

# Settings pick whitenoise's hashed, compressed storage only once STATIC_ROOT holds
# a manifest, so an empty one is seeded for collectstatic to fill. A throwaway key,
# or settings would generate one and keep it in the image.
RUN mkdir -p /app/static \
    && echo '{"version": "1.1", "paths": {}}' > /app/static/staticfiles.json \
    && DEBUG=false SECRET_KEY=collectstatic-only VAR_DIR=/tmp/build-var STATIC_ROOT=/app/static \
        .venv/bin/python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-var \
    && chmod 0755 docker/entrypoint.sh

# --- runtime -----------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DEBUG=false \
    PORT=8000 \
    VAR_DIR=/var/lib/inspection \
    MEDIA_ROOT=/var/lib/inspection/media \
    STATIC_ROOT=/app/static \
    WHITENOISE_USE_FINDERS=false

# pg_dump and pg_restore for `manage.py backup` and `restore`: Debian 12's client is
# PostgreSQL 15, the major version of the compose file's db service (pg_dump refuses
# a newer server).
# LibreOffice Writer headless makes the PDFs of official documents (SPEC §12), with
# Liberation 2 (metric-compatible with Times New Roman, every Vietnamese letter; the
# older fonts-liberation loses ơ, ạ, ữ, ự). With --no-install-recommends the font
# package is not pulled in: both are named. poppler-utils reads the PDFs back.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
        libreoffice-writer-nogui fonts-liberation2 poppler-utils \
    && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid so volumes keep the same owner across image rebuilds. Home is
# the one writable directory (gunicorn puts its control socket under $HOME).
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /var/lib/inspection \
        --shell /usr/sbin/nologin app \
    && mkdir -p /var/lib/inspection/media \
    && chown -R app:app /var/lib/inspection

WORKDIR /app
# Root owns the code, so the app user cannot rewrite it. Docker seeds a new named
# volume from the image's directory, owner included: the media volume mounted on
# /var/lib/inspection/media is writable by app.
COPY --from=build /app /app

USER app:app
EXPOSE 8000

# ALLOWED_HOSTS may not contain 127.0.0.1 in production: ask with the first
# allowed name ("*" and ".example.org" forms included) so the check is not a 400.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.').replace('*', 'localhost') or 'localhost'; u.urlopen(u.Request('http://127.0.0.1:%s/health/' % os.environ.get('PORT', '8000'), headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=4)"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# Through sh so $PORT and $WEB_CONCURRENCY are read when the container starts.
CMD ["sh", "-c", "exec gunicorn backend.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-2} --access-logfile -"]
