"""The confidentiality boundary at start-up (issue 12): without the notes key, or with one that
does not open the notes already in the database, the app and its workers refuse to start.

Apart from tests/test_isolation.py because these start processes against the test database:
one needs its rows committed (a transactional test), which cannot share that module's
once-built world."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from .test_canary_site import NOTES

BASE_DIR = Path(__file__).resolve().parent.parent


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("FIELDBOOK_NOTES_KEYS", "FIELDBOOK_NOTES_KEYS_FILE")}
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env={**base, **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_without_a_key_the_app_does_not_start() -> None:
    result = _python("import django; django.setup()",
                     DJANGO_SETTINGS_MODULE="fieldbook.settings", DEBUG="false",
                     SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "FIELDBOOK_NOTES_KEYS is not set" in result.stderr
    bad = _python("import django; django.setup()", DJANGO_SETTINGS_MODULE="fieldbook.settings",
                  DEBUG="false", SECRET_KEY="x" * 50, FIELDBOOK_NOTES_KEYS="not-a-key")
    assert bad.returncode != 0 and "key 1 of 1 is not a valid key" in bad.stderr
    assert "not-a-key" not in bad.stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_wrong_key_gunicorn_and_workers_stop_at_start_up() -> None:
    """The WSGI module (what gunicorn loads) and the Celery worker's start-up check refuse a key
    that does not open the notes already in the database; the right key starts."""
    from .factories import SessionFactory

    SessionFactory.create(private_notes=f"Sealed {NOTES}")
    db = connection.settings_dict
    url = (f"sqlite:///{db['NAME']}" if connection.vendor == "sqlite" else
           f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
           f"{db['PORT'] or 5432}/{db['NAME']}")
    env = {"DJANGO_SETTINGS_MODULE": "fieldbook.settings_test", "DATABASE_URL": url}
    wrong = _python("import fieldbook.wsgi", FIELDBOOK_NOTES_KEYS=Fernet.generate_key().decode(),
                    **env)
    assert wrong.returncode != 0
    assert "does not open the private notes in this database" in wrong.stderr
    worker = _python("from fieldbook.celery import _startup_checks; _startup_checks()",
                     FIELDBOOK_NOTES_KEYS=Fernet.generate_key().decode(), **env)
    assert worker.returncode != 0 and "Fieldbook worker not started" in worker.stderr
    right = _python("import fieldbook.wsgi; print('started')",
                    FIELDBOOK_NOTES_KEYS=",".join(_settings_keys()), **env)
    assert right.returncode == 0 and "started" in right.stdout, right.stderr
    check = subprocess.run([sys.executable, "manage.py", "check_notes_key"], cwd=BASE_DIR,
                           env={**os.environ, **env, "FIELDBOOK_NOTES_KEYS":
                                Fernet.generate_key().decode()},
                           capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 1 and "does not open" in check.stderr


def _settings_keys() -> list[str]:
    from django.conf import settings

    return list(settings.FIELDBOOK_NOTES_KEYS)
