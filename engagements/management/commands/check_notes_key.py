"""Stop with a clear message if FIELDBOOK_NOTES_KEYS does not open this database's notes.

    python manage.py check_notes_key

``make run`` calls it before starting the server; gunicorn (fieldbook/wsgi.py) and Celery workers
run the same check at start-up (``FIELDBOOK_STARTUP_CHECKS``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from engagements.notes import notes_keys_check


class Command(BaseCommand):
    help = "Check that the configured notes keys open the private notes in the database."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            notes_keys_check()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write("The notes key opens the private notes in this database.")
