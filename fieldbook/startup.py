"""Checks that must pass before the app serves a request or a worker takes a task.

``FIELDBOOK_STARTUP_CHECKS`` lists them by dotted path (the ground floor names no domain app):
today only ``engagements.notes.notes_keys_check``, which stops the app when the notes key does
not open the notes in the database. gunicorn runs them when it loads fieldbook/wsgi.py, Celery
workers when they start (fieldbook/celery.py), ``make run`` through ``check_notes_key``.

A check that raises ``ImproperlyConfigured`` stops start-up with its message. A database that
cannot be reached (or has no tables yet) is not a reason to refuse to start: it is logged, and
the check runs again at the next start.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def run_startup_checks() -> None:
    for path in getattr(settings, "FIELDBOOK_STARTUP_CHECKS", ()):
        check = import_string(path)
        try:
            check()
        except DatabaseError as error:
            logger.warning("Start-up check %s could not read the database (%s); skipped.",
                           path, type(error).__name__)
