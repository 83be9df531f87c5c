"""The project as a whole: system checks, migrations in step with models, settings from the env.

Settings are read once per process, so each settings case runs a fresh interpreter with a
controlled environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

BASE_DIR = Path(__file__).resolve().parent.parent
STRONG_KEY = "k" * 25 + "0123456789abcdefghijklmnopqrstuvwxyz"[:25]  # 50 characters

# Variables that change what settings.py does; each subprocess starts without them.
SETTINGS_VARS = (
    "DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND",
    "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
    "OTP_WEBAUTHN_RP_ID", "OTP_WEBAUTHN_ALLOWED_ORIGINS",
)


def run_settings(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` after ``django.setup()`` with fieldbook.settings and only the given vars."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="fieldbook.settings")
    return subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60, check=False,
    )


def test_system_checks_pass() -> None:
    out = StringIO()
    call_command("check", "--fail-level", "WARNING", stdout=out, stderr=out)
    assert "no issues" in out.getvalue()


def test_deploy_checks_pass_with_production_settings() -> None:
    result = run_settings(
        "from django.core.management import call_command\n"
        "call_command('check', '--deploy', '--fail-level', 'ERROR')",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="fieldbook.example.org",
        # Passkeys, like the host name, have no production default (otp_webauthn.E010, E030).
        OTP_WEBAUTHN_RP_ID="fieldbook.example.org",
        OTP_WEBAUTHN_ALLOWED_ORIGINS="https://fieldbook.example.org",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
    )
    assert result.returncode == 0, result.stderr
    # HSTS for subdomains and preload lists are the domain owner's decision, not the app's.
    reported = set(re.findall(r"\((\w+\.[EW]\d+)\)", result.stdout + result.stderr))
    assert reported <= {"security.W005", "security.W021"}, result.stdout + result.stderr


@pytest.mark.django_db
def test_migrations_match_models() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"models changed without a migration (exit {exit_.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


def test_production_refuses_to_start_without_secret_key() -> None:
    result = run_settings("", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("weak", ["django-insecure-" + "x" * 40, "short-key"])
def test_production_refuses_a_weak_secret_key(weak: str) -> None:
    result = run_settings("", DEBUG="false", SECRET_KEY=weak)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_strong_key() -> None:
    result = run_settings(
        "from django.conf import settings\nprint(settings.DEBUG, settings.SECRET_KEY)",
        DEBUG="false", SECRET_KEY=STRONG_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", STRONG_KEY]


def test_debug_starts_without_a_key() -> None:
    result = run_settings(
        "from django.conf import settings\nprint(settings.DEBUG, settings.SECRET_KEY)",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    debug, key = result.stdout.split()
    assert debug == "True" and key.startswith("django-insecure-")


def test_debug_defaults_to_off() -> None:
    result = run_settings("from django.conf import settings\nprint(settings.DEBUG)",
                          SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text(STRONG_KEY + "\n", encoding="utf-8")
    result = run_settings(
        "from django.conf import settings\nprint(settings.SECRET_KEY)",
        DEBUG="false", SECRET_KEY_FILE=str(key_file),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == STRONG_KEY


def test_database_defaults_to_sqlite_in_the_project_folder() -> None:
    result = run_settings(
        "from django.conf import settings\ndb = settings.DATABASES['default']\n"
        "print(db['ENGINE']); print(db['NAME'])",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.split("\n")[:2]
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == BASE_DIR / "fieldbook.sqlite3"


def test_database_url_is_used() -> None:
    result = run_settings(
        "from django.conf import settings\ndb = settings.DATABASES['default']\n"
        "print(db['ENGINE'], db['NAME'], db['HOST'], db['PORT'])",
        DEBUG="true", DATABASE_URL="postgres://fb:pw@db.internal:5433/fieldbook_prod",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql", "fieldbook_prod", "db.internal", "5433",
    ]


def test_celery_runs_inline_without_redis() -> None:
    result = run_settings(
        "from django.conf import settings\n"
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL)",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "memory://"]


def test_celery_uses_redis_when_set() -> None:
    result = run_settings(
        "from django.conf import settings\n"
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL)",
        DEBUG="true", REDIS_URL="redis://cache.internal:6379/2",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "redis://cache.internal:6379/2"]


def test_email_goes_to_the_console_by_default() -> None:
    result = run_settings("from django.conf import settings\nprint(settings.EMAIL_BACKEND)",
                          DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


def test_a_bad_boolean_is_refused() -> None:
    result = run_settings("", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr
