import os

from celery import Celery
from celery.signals import beat_init, celeryd_init
from django.core.exceptions import ImproperlyConfigured

from backend.startup import require_strong_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("backend")
# Every Celery option lives in settings.py under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
@beat_init.connect
def _refuse_a_weak_secret_key(**kwargs) -> None:
    """A worker or beat with DEBUG off and a weak SECRET_KEY stops before its first
    task (the worker signs nothing itself, but shares the web's settings: a weak
    key there is a weak key everywhere). SystemExit, because Celery logs and
    swallows a signal handler's ordinary exceptions."""
    try:
        require_strong_secret_key()
    except ImproperlyConfigured as error:
        raise SystemExit(f"ImproperlyConfigured: {error}") from error
