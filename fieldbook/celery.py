import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbook.settings")

app = Celery("fieldbook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _startup_checks(**kwargs: object) -> None:
    """A worker with the wrong notes key stops before taking a task (fieldbook.startup). It
    raises SystemExit, which Celery's signal dispatch does not swallow."""
    import django

    django.setup()
    from django.core.exceptions import ImproperlyConfigured

    from fieldbook.startup import run_startup_checks

    try:
        run_startup_checks()
    except ImproperlyConfigured as error:
        raise SystemExit(f"Fieldbook worker not started: {error}") from error
