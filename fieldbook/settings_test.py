"""Settings for the test suite: the real settings module, with test-only speedups.

``DATABASE_URL`` and ``REDIS_URL`` still come from the environment, so CI runs the same suite on
PostgreSQL and Redis while a plain ``make test`` uses SQLite.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnop")
# A key for the test suite only (tests/test_isolation.py also rotates onto a second one).
os.environ.setdefault("FIELDBOOK_NOTES_KEYS", "ThiXHYLcMvGNErizYlMksZuz9X4mWJHUW5dSnW2q5Uk=")

from fieldbook.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Unit tests call tasks directly; the real-worker tests configure their own app. The recovery
# drills' workers publish for real (tests/test_job_recovery.py).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("FIELDBOOK_TEST_TASKS_EAGER", "true") != "false"
# Fault injection for the recovery drills only (never in production settings): seconds a worker
# waits inside a stage of a job, "compile=30,pdf=30", so the drill can kill it there.
FIELDBOOK_DRILL_PAUSES = {
    stage: float(seconds)
    for stage, _, seconds in (part.partition("=") for part in
                              os.environ.get("FIELDBOOK_DRILL_PAUSES", "").split(",") if part)
}
# The live server's thread must not keep its connection open past a test, or PostgreSQL refuses
# to drop the test database at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# The real-worker test (tests/test_celery_worker.py) runs a Celery worker in a subprocess, which
# cannot open an in-memory database: on SQLite the test database is a file instead, one per test
# run (the process id keeps runs that share this machine apart; pytest-django deletes it after).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile
    from pathlib import Path

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"fieldbook-test-{os.getpid()}.sqlite3"),
    }
# Two-factor authentication is off for the suite as a whole (the persona clients sign in with
# force_login, which proves no second factor); the security tests switch it on with the
# ``settings`` fixture and sign leads and admins in with a verified device
# (tests/security_support.py). Production turns it on: see fieldbook.checks (W001).
FIELDBOOK_REQUIRE_2FA = False
# Passkeys: the live server is http://localhost:<port>; the browser test adds its origin.
OTP_WEBAUTHN_RP_ID = "localhost"
OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://localhost:8000"]
# Django's test client signs in (Client.login) without a request, which django-axes refuses;
# this backend throttles every sign-in that has one, exactly as production's does.
AUTHENTICATION_BACKENDS = [
    "tests.security_support.RequestOptionalAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Serve static files through the finders (no collectstatic before tests), without warnings.
WHITENOISE_AUTOREFRESH = True
