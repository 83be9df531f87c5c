"""Production settings plus the benchmark's query-count headers and bare view.

Used only by ``make bench`` (bench/run.py starts gunicorn with
``DJANGO_SETTINGS_MODULE=bench.settings``, ``DEBUG=false``, a 50-character ``SECRET_KEY`` and
``ALLOWED_HOSTS=127.0.0.1``). Static files are collected into a folder of the bench's own.
"""

import os
from pathlib import Path

from fieldbook.settings import *  # noqa: F403
from fieldbook.settings import MIDDLEWARE

FIELDBOOK_BENCH = True
ROOT_URLCONF = "bench.urls"  # the site's URLs plus /bench/bare/
MIDDLEWARE = ["bench.views.BenchHeadersMiddleware", *MIDDLEWARE]
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", "/tmp/fieldbook-bench-static"))
# The bench serves http://127.0.0.1 and never uses passkeys; production has no default for
# these, and manage.py's system checks refuse to run without them (otp_webauthn.E010, E030).
OTP_WEBAUTHN_RP_ID = os.environ.get("OTP_WEBAUTHN_RP_ID", "localhost")
OTP_WEBAUTHN_ALLOWED_ORIGINS = [os.environ.get("OTP_WEBAUTHN_ALLOWED_ORIGINS",
                                               "http://localhost:8000")]
