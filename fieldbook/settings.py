"""Fieldbook settings: one module, read from the environment.

Defaults are safe for production (DEBUG off, no secret key accepted unless real). ``make run``
sets ``DEBUG=true`` for the local demo; with no ``DATABASE_URL`` the app uses a SQLite file in
the project folder and with no ``REDIS_URL`` Celery runs tasks inline, so no servers are needed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from fieldbook.env import env_bool, env_int, env_list, env_str
from fieldbook.sealing import parse_keys

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

_INSECURE_KEY_PREFIX = "django-insecure-"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value, "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = _INSECURE_KEY_PREFIX + "local-development-only-never-in-production"
elif not DEBUG and (SECRET_KEY.startswith(_INSECURE_KEY_PREFIX) or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 32+ random characters.")

# Private notes are sealed (encrypted) under these keys, newest first; they never live in the
# database (fieldbook.sealing, README "Confidentiality"). Required everywhere: `make run` makes a
# local key for the demo (.notes-key); production reads FIELDBOOK_NOTES_KEYS or its _FILE secret.
FIELDBOOK_NOTES_KEYS = parse_keys(env_list("FIELDBOOK_NOTES_KEYS"))
# Run before the app serves or a worker works (fieldbook.startup): a wrong key stops it there.
FIELDBOOK_STARTUP_CHECKS = ["engagements.notes.notes_keys_check"]
# A demo's sign-in page lists its accounts (demo.accounts): a dotted path to a function returning
# them, named by string so the ground floor imports no app. Never set outside DEBUG.
FIELDBOOK_SIGNIN_ACCOUNTS = env_str("FIELDBOOK_SIGNIN_ACCOUNTS",
                                    default="demo.accounts.signin_accounts")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "fieldbook.admin_apps.FieldbookAdminConfig",  # django.contrib.admin, superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    # django-ninja (the read-only API): listed so its docs page is served from its own static
    # files, never a CDN (the CSP allows only 'self').
    "ninja",
    "fieldbook",
    "places",
    "enablers",
    "engagements",
    "backoffice",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fieldbook.middleware.ClientIPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fieldbook.middleware.OTPMiddleware",  # django-otp's, and single sign-on's second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "fieldbook.middleware.QueryControlCharactersMiddleware",
    "fieldbook.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fieldbook.middleware.TwoFactorMiddleware",
    "fieldbook.middleware.PrivateNotesMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fieldbook.urls"
WSGI_APPLICATION = "fieldbook.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fieldbook.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'fieldbook.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT off for the app's connections: PostgreSQL's cost model JIT-compiles the dashboard's
    # aggregate queries, which cost ~800 ms of compilation for a query that runs in tens of ms
    # (bench/README.md, "Known gaps"). The cost: a long analytical query that really would
    # gain from JIT (none in the app today) runs interpreted; psql and other clients keep it.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = " ".join(
        filter(None, [DATABASES["default"]["OPTIONS"].get("options", ""), "-c jit=off"]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---- Authentication (OWASP ASVS 5.0 level 2; README "Security") ---------------------------------
# Passwords: 12+ characters, not like the user's name or email, not among Django's 20,000 common
# passwords, and not in (or built from) zxcvbn's breach and word lists. All offline.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "fieldbook.security.BreachedPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses sign-in for a locked-out username before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling (fieldbook.throttling): after AXES_FAILURE_LIMIT wrong passwords for one
# username from one client address, that pair is locked for AXES_COOLOFF_MINUTES (a soft
# lockout; a right password resets the count). Keyed on the pair, so a stranger guessing from
# elsewhere cannot lock a colleague out, and staff sharing one address (HSCN) are not locked out
# together. A client whose failures span more than FIELDBOOK_SPRAY_USERNAMES usernames within
# the cool-off is throttled as a whole (password spraying). Only usernames that exist are kept.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "fieldbook.throttling.axes_username"
FIELDBOOK_SPRAY_USERNAMES = env_int("FIELDBOOK_SPRAY_USERNAMES", 4)
# Password-reset emails: per address and per client address, an hour.
FIELDBOOK_RESETS_PER_ADDRESS = env_int("FIELDBOOK_RESETS_PER_ADDRESS", 3)
FIELDBOOK_RESETS_PER_CLIENT = env_int("FIELDBOOK_RESETS_PER_CLIENT", 10)
# Respondent links (engagements.respondents) that did not work, per client an hour, before the
# client is turned away (429): guessing tokens is throttled, a contact with a good link never is.
FIELDBOOK_RESPONDENT_MISSES_PER_CLIENT = env_int("FIELDBOOK_RESPONDENT_MISSES_PER_CLIENT", 20)
# Requests for support through a programme's public page: per client address, an hour.
FIELDBOOK_SUPPORT_REQUESTS_PER_CLIENT = env_int("FIELDBOOK_SUPPORT_REQUESTS_PER_CLIENT", 5)
# The read-only API (engagements.api): calls a minute per client, then 429 until the minute
# has passed (counted from the ApiCall log, so every web process sees the same count).
FIELDBOOK_API_CALLS_PER_MINUTE = env_int("FIELDBOOK_API_CALLS_PER_MINUTE", 120)
# axes.W006 warns that a lockout without the user agent can be dodged by changing it; ours is
# keyed on the username and address on purpose (a changed user agent does not unlock them).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fieldbook.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "fieldbook.security.axes_client_ip"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in our audit log (fieldbook.signals)
# The username too: what was typed there may be a password in the wrong box (the username
# column keeps it only when an account has it: fieldbook.throttling.axes_username).
AXES_SENSITIVE_PARAMETERS = ["username", "password", "token", "csrfmiddlewaretoken"]
# How many proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR). The
# audit log and the throttling trust exactly that many, and no client-written entry.
FIELDBOOK_PROXY_COUNT = env_int("FIELDBOOK_PROXY_COUNT", 0)

# Two-factor authentication for everyone who signs in: a passkey (WebAuthn,
# django-otp-webauthn) or an authenticator app (TOTP, django-otp), with recovery codes. On in
# production; `make run` (DEBUG) turns it off unless FIELDBOOK_REQUIRE_2FA=true, and the sign-in
# page then says so.
FIELDBOOK_REQUIRE_2FA = env_bool("FIELDBOOK_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "Fieldbook"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Passkeys belong to the relying party ID: the site's host name, no scheme or port
# (fieldbook.example.nhs.uk). Changing it later makes every passkey useless, so it is set, not
# guessed from the request. The origins are the exact addresses pages are served from
# (https://fieldbook.example.nhs.uk). With DEBUG the defaults suit `make run` at
# http://localhost:8000 (an IP address such as 127.0.0.1 cannot be a relying party ID, so
# passkeys there need "localhost" in the address bar). Production without them fails the
# system checks (otp_webauthn.E010, E030) and the deploy check (fieldbook.W007).
OTP_WEBAUTHN_RP_ID = env_str("OTP_WEBAUTHN_RP_ID", "localhost" if DEBUG else "")
OTP_WEBAUTHN_RP_NAME = env_str("OTP_WEBAUTHN_RP_NAME", "Fieldbook")
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "OTP_WEBAUTHN_ALLOWED_ORIGINS", ["http://localhost:8000"] if DEBUG else [])
# A passkey is a second factor after the password, never a way in on its own: a passwordless
# sign-in would skip the throttling and the audit of the password step.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "fieldbook.passkeys.FieldbookWebAuthnHelper"

# Single sign-on with OpenID Connect (fieldbook.oidc; README "Single sign-on"): off unless
# FIELDBOOK_OIDC_PROVIDERS names providers, e.g. "nhsmail,cis2". Each NAME then reads
# FIELDBOOK_OIDC_<NAME>_DISCOVERY_URL (or _ISSUER), _CLIENT_ID, _CLIENT_SECRET (or its _FILE),
# _NAME (on the button), _TRUST_MFA (its multi-factor claim proves Fieldbook's second factor),
# _MFA_ACR (acr values that count as multi-factor) and _VERIFIED_CLAIM (default email_verified).
def _oidc_provider(name: str) -> dict[str, object]:
    prefix = f"FIELDBOOK_OIDC_{name.upper().replace('-', '_')}_"
    return {
        "slug": name.lower(), "name": env_str(prefix + "NAME", name),
        "discovery_url": env_str(prefix + "DISCOVERY_URL"), "issuer": env_str(prefix + "ISSUER"),
        "client_id": env_str(prefix + "CLIENT_ID"),
        "client_secret": env_str(prefix + "CLIENT_SECRET"),
        "trust_mfa": env_bool(prefix + "TRUST_MFA"), "mfa_acr": env_list(prefix + "MFA_ACR"),
        "verified_claim": env_str(prefix + "VERIFIED_CLAIM", "email_verified"),
    }


FIELDBOOK_OIDC_PROVIDERS = [_oidc_provider(name) for name in env_list("FIELDBOOK_OIDC_PROVIDERS")]

# Sessions: the user is recorded with each session (fieldbook.signin_sessions), so signing out or
# deactivation ends all of them. A session ends after FIELDBOOK_SESSION_IDLE_MINUTES without a
# request, FIELDBOOK_SESSION_MAX_HOURS after sign-in, or when the browser closes.
SESSION_ENGINE = "fieldbook.signin_sessions"
FIELDBOOK_SESSION_IDLE_SECONDS = env_int("FIELDBOOK_SESSION_IDLE_MINUTES", 30) * 60
FIELDBOOK_SESSION_MAX_SECONDS = env_int("FIELDBOOK_SESSION_MAX_HOURS", 12) * 60 * 60
SESSION_COOKIE_AGE = FIELDBOOK_SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: SMTP in production. With DEBUG (`make run`) the console backend is the default, so
# password-reset links appear in the terminal running the app; in production that would put
# sign-in links into the logs (fieldbook.checks W002 refuses it).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
                        if DEBUG else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Fieldbook <fieldbook@localhost>")
# The address people open Fieldbook at, for links in emails sent outside a request.
FIELDBOOK_BASE_URL = env_str("FIELDBOOK_BASE_URL", "http://127.0.0.1:8000")

# Celery: Redis when REDIS_URL is set; otherwise tasks run inline in the web process.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Loss-free delivery: a task is acknowledged only once done; a worker that dies mid-task (kill -9,
# out of memory) has it delivered again rather than lost; each worker takes one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing to a dead broker must fail fast: writes never wait on Redis. A message not
# acknowledged within the visibility timeout is delivered again: it is longer than any job may
# run (the summary tasks stop themselves at FIELDBOOK_JOBS_TIME_LIMIT seconds).
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                                   "visibility_timeout": 300}
# Work nobody is doing is taken back by a sweep (engagements.requeue_stale_summaries) that beat
# runs every FIELDBOOK_JOBS_SWEEP_SECONDS: a summary queued for longer than
# FIELDBOOK_JOBS_QUEUED_STALE_SECONDS (asked for while Redis was down, or its message lost), or
# compiling, or ready without its PDF, for longer than FIELDBOOK_JOBS_RUNNING_STALE_SECONDS (its
# worker died). So work asked for during an outage starts within a minute of Redis coming back,
# and a job whose worker died is taken back within two; the claim keeps it to one compile.
FIELDBOOK_JOBS_SWEEP_SECONDS = env_int("FIELDBOOK_JOBS_SWEEP_SECONDS", 30)
FIELDBOOK_JOBS_QUEUED_STALE_SECONDS = env_int("FIELDBOOK_JOBS_QUEUED_STALE_SECONDS", 20)
FIELDBOOK_JOBS_RUNNING_STALE_SECONDS = env_int("FIELDBOOK_JOBS_RUNNING_STALE_SECONDS", 90)
# A compile or a PDF stops itself after this long (a soft limit: the summary is marked failed),
# well inside the running-stale time, so a slow job is never taken back while it still runs.
FIELDBOOK_JOBS_TIME_LIMIT = env_int("FIELDBOOK_JOBS_TIME_LIMIT", 60)
# celery beat (the default scheduler: this schedule, in Europe/London). Summaries are due for the
# last whole period; the scheduler task is idempotent, so a beat restart never duplicates one.
CELERY_BEAT_SCHEDULE = {
    "summaries-monthly": {
        "task": "engagements.schedule_due_summaries",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
        "args": ("month",),
    },
    "summaries-quarterly": {
        "task": "engagements.schedule_due_summaries",
        "schedule": crontab(minute=0, hour=6, day_of_month=1, month_of_year="1,4,7,10"),
        "args": ("quarter",),
    },
    "summaries-weekly": {  # programmes whose summary cadence is weekly
        "task": "engagements.schedule_due_summaries",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
        "args": ("week",),
    },
    "summaries-requeue-stale": {  # work asked for while the broker was down, or lost
        "task": "engagements.requeue_stale_summaries",
        "schedule": float(FIELDBOOK_JOBS_SWEEP_SECONDS),
    },
    "enabler-weekly-digest": {
        "task": "engagements.send_enabler_digests",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    "protocol-review-reminders": {  # engagements.context.reminders
        "task": "engagements.remind_protocol_reviews",
        "schedule": crontab(minute=15, hour=7),
    },
    "rollups-quarter-slide": {  # the last quarter moved on a day: rewrite yesterday's rows
        "task": "engagements.slide_quarters",
        "schedule": crontab(minute=5, hour=0),
    },
    "retention-review-queue": {  # past their period into the review queue; destroys nothing
        "task": "engagements.fill_retention_queue",
        "schedule": crontab(minute=15, hour=3),
    },
    "rollups-nightly-check": {  # repairs and reports rollup rows a write went around
        "task": "engagements.check_rollups",
        "schedule": crontab(minute=30, hour=2),
    },
    "voice-rounds-due": {  # the place's self-assessment and pulse rounds: close, open due
        "task": "engagements.voice_rounds_due",
        "schedule": crontab(minute=15, hour=6),
    },
}

# Security headers. Production (DEBUG off) also sets HTTPS-only cookies unless told otherwise.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
# htmx sends the token from the page (base.html's data-hx-headers), so no script needs the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
# Load balancers and docker-compose check /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if env_bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
}

# Error reports (mailed to ADMINS, if set, when DEBUG is off) show no submitted values and no
# local variables: a failing form may hold private notes.
DEFAULT_EXCEPTION_REPORTER_FILTER = "fieldbook.security.PrivateExceptionReporterFilter"

# Logging: plain text to stderr. Nothing here logs request bodies, so private notes never
# reach a log line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO: noise, not news.
        "weasyprint.progress": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; lockouts (what matters) come at WARNING.
        "axes": {"level": "WARNING"},
    },
}

ADMIN_URL = env_str("ADMIN_URL", "django-admin/")

# ---- The documents: accessibility statement, privacy notice, contact (fieldbook/documents.py) --
# Who runs this Fieldbook, and how to reach them: the public pages name them. Set these for
# each deployment; the defaults say plainly that they are not set.
FIELDBOOK_OPERATOR_NAME = env_str("FIELDBOOK_OPERATOR_NAME", "the organisation running Fieldbook")
FIELDBOOK_OPERATOR_ADDRESS = env_str("FIELDBOOK_OPERATOR_ADDRESS", "")
FIELDBOOK_CONTACT_EMAIL = env_str("FIELDBOOK_CONTACT_EMAIL", "fieldbook@example.org")
FIELDBOOK_CONTACT_PHONE = env_str("FIELDBOOK_CONTACT_PHONE", "")
# The data-protection officer (privacy notice, subject access); the contact address if unset.
FIELDBOOK_DPO_EMAIL = env_str("FIELDBOOK_DPO_EMAIL", "")
# Where to report an accessibility problem; the contact address if unset.
FIELDBOOK_ACCESSIBILITY_EMAIL = env_str("FIELDBOOK_ACCESSIBILITY_EMAIL", "")
FIELDBOOK_ICO_REGISTRATION = env_str("FIELDBOOK_ICO_REGISTRATION", "")
# The accessibility statement's dates (GOV.UK's model statement asks for each).
FIELDBOOK_A11Y_PREPARED_ON = env_str("FIELDBOOK_A11Y_PREPARED_ON", "3 December 2026")
FIELDBOOK_A11Y_REVIEWED_ON = env_str("FIELDBOOK_A11Y_REVIEWED_ON", "3 December 2026")
FIELDBOOK_A11Y_TESTED_ON = env_str("FIELDBOOK_A11Y_TESTED_ON", "3 December 2026")
FIELDBOOK_A11Y_TESTED_BY = env_str("FIELDBOOK_A11Y_TESTED_BY", "the Fieldbook team")
