"""Settings for the test suite: the real settings module, with test-only speedups.

``DATABASE_URL`` and ``REDIS_URL`` still come from the environment, so CI runs the same suite on
PostgreSQL and Redis while a plain ``make test`` uses SQLite.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnop")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Unit tests call tasks directly; the real-worker tests configure their own app.
CELERY_TASK_ALWAYS_EAGER = True
