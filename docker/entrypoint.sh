#!/bin/sh
# Entry point of the image. Only the web service sets MIGRATE_ON_START=true
# (docker-compose.yml): the worker and beat never race it on the schema, and
# they start once web is healthy, that is once its migrations are applied.
set -eu

if [ "${MIGRATE_ON_START:-false}" = "true" ]; then
    python manage.py migrate --noinput
fi

exec "$@"
