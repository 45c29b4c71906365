# The two commands a newcomer needs: `make run` and `make test` (README).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
PORT ?= 8000

.PHONY: run test bench lint format messages locales demo check-python vendor screenshots

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'

# The virtual environment, rebuilt whenever the dependencies or the lock file change.
$(VENV)/.installed: pyproject.toml uv.lock | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(VENV)/bin/uv sync --frozen --quiet
	@touch $@

# The pages' front-end libraries (htmx, FullCalendar, Pico CSS) come from the npm
# registry at the versions in web/package-lock.json and are served by the app
# itself (never a CDN); web/static/vendor/ is build output.
VENDOR := web/static/vendor
$(VENDOR)/.installed: web/package.json web/package-lock.json web/build-vendor.sh
	web/build-vendor.sh
vendor: $(VENDOR)/.installed

# Compiled message catalogues (.mo) are build output; the .po files are the source:
# locale/ for our own messages, locale_vendor/ for third-party ones (DRF's, by hand).
locales: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile --domain django --directory locale --statistics 2>&1 | grep -v '^$$' || true
	@$(VENV)/bin/pybabel compile --domain django --directory locale_vendor --statistics 2>&1 | grep -v '^$$' || true

# Regenerate the .po files from the code (needs GNU gettext's xgettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale vi --locale en --ignore '.venv/*' --ignore 'var/*' --ignore 'web/node_modules/*' --ignore 'web/static/vendor/*' --ignore 'tests/*' --ignore 'bench/*' --no-obsolete
	$(PY) manage.py makemessages --domain djangojs --locale vi --locale en --ignore '.venv/*' --ignore 'var/*' --ignore 'web/node_modules/*' --ignore 'web/static/vendor/*' --ignore 'tests/*' --ignore 'bench/*' --no-obsolete || true

demo: $(VENV)/.installed locales vendor
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

# Web, the workers (tasks; PDF conversions) and beat under one process manager
# (Ctrl-C stops them all); with REDIS_URL unset an embedded Redis server runs beside them. honcho rewrites PORT
# for each process, so the web port travels as WEB_PORT, and SITE_URL is fixed
# here for links the worker puts in e-mails.
run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)/ (pages: /, admin: /admin/, API: /api/v1/, health: /health/)"
	DEBUG=$${DEBUG:-true} WEB_PORT=$(PORT) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} \
		$(VENV)/bin/honcho --procfile Procfile start \
		$(if $(REDIS_URL),web worker documents beat,redis web worker documents beat)

test: $(VENV)/.installed locales vendor
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "make test: database PostgreSQL/$${DATABASE_URL##*/}, broker $${REDIS_URL:-embedded Redis}"; \
	else \
		echo "make test: DATABASE_URL is unset, so the suite runs on SQLite (CI runs it on PostgreSQL)."; \
	fi
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Pictures of every page in both languages, for the README (docs/screenshots/).
screenshots: $(VENV)/.installed locales vendor
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(VENV)/bin/pytest tests/web/test_screenshots.py -q -p no:cacheprovider

bench: $(VENV)/.installed locales
	$(PY) -m bench.run

# Style, types and the import contracts (.importlinter: api and web independent,
# checklists below every door, worker thin, no cycles in the domain). CI runs it
# before the tests (.ci/run); pre-commit runs the same on each commit.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
