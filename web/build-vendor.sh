#!/bin/sh
# Installs the pages' front-end libraries from the npm registry, at the versions
# locked in package-lock.json, and copies the files the pages load into
# static/vendor/ (served by the app itself; never a CDN). Used by the Makefile and
# the Dockerfile.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
rm -rf static/vendor
mkdir -p static/vendor/htmx static/vendor/fullcalendar static/vendor/pico
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
cp node_modules/fullcalendar/index.global.min.js static/vendor/fullcalendar/
cp node_modules/@fullcalendar/core/locales/vi.global.min.js static/vendor/fullcalendar/locale-vi.global.min.js
cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico/
touch static/vendor/.installed
