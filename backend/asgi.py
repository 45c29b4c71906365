import os

from django.core.asgi import get_asgi_application

from backend.startup import require_strong_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

application = get_asgi_application()
# An ASGI server loads this module to serve: no serving with a weak key.
require_strong_secret_key()
