import os

from django.core.wsgi import get_wsgi_application

from backend.startup import require_strong_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

application = get_wsgi_application()
# gunicorn and runserver load this module to serve: no serving with a weak key.
require_strong_secret_key()
