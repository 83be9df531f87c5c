"""Headers, cookies and the production deploy check (issue 7, point 4), and the Django admin's
user pages (no privilege escalation).

The production settings are the ones in ``.ci/production.env``, which CI also checks with
``manage.py check --deploy --fail-level WARNING``.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from engagements.models import Session
from fieldbook.models import AuditEvent
from fieldbook.roles import Role

from .factories import SessionFactory, UserFactory
from .security_support import verified_client

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = BASE_DIR / ".ci" / "production.env"
# Variables that change what settings.py does; the subprocess starts without them.
SETTINGS_VARS = ("DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "EMAIL_BACKEND", "ALLOWED_HOSTS",
                 "DJANGO_SETTINGS_MODULE", "FIELDBOOK_REQUIRE_2FA", "AXES_ENABLED",
                 "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE",
                 "OTP_WEBAUTHN_RP_ID", "OTP_WEBAUTHN_ALLOWED_ORIGINS")


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    for line in PRODUCTION_ENV.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    env.update(SECRET_KEY=secrets.token_urlsafe(50), DJANGO_SETTINGS_MODULE="fieldbook.settings",
               **overrides)
    return env


def deploy_check(**overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=production_env(**overrides), capture_output=True, text=True,
        timeout=120, check=False,
    )


def test_the_deploy_check_passes_with_the_production_settings() -> None:
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_without_two_factor_or_with_a_console_mailer() -> None:
    result = deploy_check(FIELDBOOK_REQUIRE_2FA="false",
                          EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
                          SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    report = result.stdout + result.stderr
    for check in ("fieldbook.W001", "fieldbook.W002", "security.W004"):
        assert check in report, report


def test_the_deploy_check_fails_when_passkeys_would_not_work_on_the_real_site() -> None:
    result = deploy_check(OTP_WEBAUTHN_RP_ID="localhost",
                          OTP_WEBAUTHN_ALLOWED_ORIGINS="http://localhost:8000")
    assert result.returncode != 0
    assert "fieldbook.W007" in result.stdout + result.stderr


def test_production_turns_two_factor_on_and_the_demo_off() -> None:
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.FIELDBOOK_REQUIRE_2FA, settings.EMAIL_BACKEND.rsplit('.', 2)[-2])")
    prod = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=production_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert prod.stdout.split() == ["True", "smtp"], prod.stderr
    demo_env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    demo_env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="fieldbook.settings")
    demo = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=demo_env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert demo.stdout.split() == ["False", "console"], demo.stderr


# ---- headers ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_every_page_sends_the_security_headers(client: Client) -> None:
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    directives = dict(
        ([*part.strip().split(" ", 1), ""])[:2] for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["default-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # htmx must never evaluate script from responses (our CSP would refuse it anyway).
    assert b'"allowEval": false' in response.content


@pytest.mark.django_db
def test_hsts_and_the_https_redirect(client: Client, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = client.get(reverse("login"))
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    # The load balancer's health check stays on plain HTTP.
    assert client.get(reverse("healthz")).status_code == 200


def test_cookies_are_secure_httponly_and_samesite(settings: Any, lead_user: User) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    page = client.get(reverse("login"), secure=True)
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(reverse("login"), {"username": "lead", "password": "x"},
                           secure=True)
    from .factories import TEST_PASSWORD

    response = client.post(reverse("login"), {"username": "lead", "password": TEST_PASSWORD},
                           secure=True)
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    # A session cookie (no Max-Age): it goes when the browser closes.
    assert session["max-age"] == "" and session["expires"] == ""


# ---- caching of pages with private notes -----------------------------------------------------

def test_pages_with_private_notes_are_never_stored(enabler_user: User, enabler_client: Client
                                                   ) -> None:
    session = SessionFactory.create(enabler=enabler_user.enabler,
                                    engagement=enabler_user.enabler.assignments.get().engagement,
                                    private_notes="Only mine")
    for url in (reverse("engagements:my-week") + f"?week={session.date:%Y-%m-%d}",
                reverse("engagements:session-log"),
                reverse("engagements:session-edit", args=[session.pk]),
                reverse("engagements:week-repeat")):
        for headers in ({}, {"HX-Request": "true"}):
            response = enabler_client.get(url, headers=headers)
            assert response.status_code == 200, url
            cache = response["Cache-Control"]
            assert "no-store" in cache and "private" in cache, (url, cache)
    assert b"Only mine" in enabler_client.get(
        reverse("engagements:session-edit", args=[session.pk])).content


def test_other_signed_in_pages_are_private(lead_client: Client) -> None:
    response = lead_client.get(reverse("engagements:dashboard"))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_signing_out_clears_the_browsers_copy(enabler_client: Client) -> None:
    response = enabler_client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'


# ---- private notes refused, and the refusal audited -------------------------------------------

def test_opening_someone_elses_notes_is_refused_and_audited(
    enabler_user: User, other_enabler_user: User, lead_user: User
) -> None:
    theirs = SessionFactory.create(enabler=enabler_user.enabler,
                                   engagement=enabler_user.enabler.assignments.get().engagement,
                                   private_notes="CANARY-refused-notes")
    outsider = Client()
    outsider.force_login(other_enabler_user)
    edit = reverse("engagements:session-edit", args=[theirs.pk])
    response = outsider.get(edit, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 404
    assert b"CANARY-refused-notes" not in response.content
    assert "no-store" in response["Cache-Control"]
    lead = verified_client(lead_user)
    assert lead.get(edit, REMOTE_ADDR="198.51.100.4").status_code == 403

    rows = list(AuditEvent.objects.filter(action="security.private_notes.refused")
                .order_by("id").values("actor__username", "ip_address", "changes"))
    assert [(r["actor__username"], r["ip_address"], r["changes"]["status"]) for r in rows] == [
        ("other-enabler", "203.0.113.9", 404), ("lead", "198.51.100.4", 403)]
    assert rows[0]["changes"]["object_id"] == str(theirs.pk)
    assert "CANARY" not in str(rows)


def test_an_enabler_asking_for_their_own_deleted_session_is_not_an_attempt(
    enabler_user: User, enabler_client: Client
) -> None:
    mine = SessionFactory.create(enabler=enabler_user.enabler,
                                 engagement=enabler_user.enabler.assignments.get().engagement)
    Session.objects.filter(pk=mine.pk).update(deleted_at="2024-01-09T10:00:00Z")
    assert enabler_client.get(
        reverse("engagements:session-edit", args=[mine.pk])).status_code == 404
    assert enabler_client.get(
        reverse("engagements:session-edit", args=[mine.pk + 1000])).status_code == 404
    assert not AuditEvent.objects.filter(action="security.private_notes.refused").exists()


# ---- the Django admin's user pages ------------------------------------------------------------

def test_a_fieldbook_admin_cannot_make_themselves_superuser_in_the_django_admin(
    admin_user: User, settings: Any
) -> None:
    """The Django admin is a superuser's break-glass tool: a Fieldbook admin (staff, verified)
    gets the 404 page for it, and a POST there changes nothing."""
    settings.FIELDBOOK_REQUIRE_2FA = True
    client = verified_client(admin_user)
    url = reverse("admin:auth_user_change", args=[admin_user.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {
        "username": admin_user.username, "first_name": "Ada", "last_name": "Person",
        "email": admin_user.email, "is_superuser": "on", "is_staff": "on", "is_active": "on",
        "date_joined_0": "2024-01-01", "date_joined_1": "10:00:00",
    })
    assert response.status_code == 404
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser


def test_a_superusers_role_change_in_the_django_admin_is_audited(
    settings: Any, enabler_user: User
) -> None:
    from django.contrib.auth.models import Group

    settings.FIELDBOOK_REQUIRE_2FA = True
    root = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client = verified_client(root)
    url = reverse("admin:auth_user_change", args=[enabler_user.pk])
    lead_group = Group.objects.get(name=Role.LEAD.value)
    response = client.post(url, {
        "username": enabler_user.username, "first_name": "Erin", "last_name": "Person",
        "email": enabler_user.email, "is_active": "", "groups": [lead_group.pk],
        "date_joined_0": "2024-01-01", "date_joined_1": "10:00:00",
    }, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="accounts.user.changed_in_django_admin")
    assert event.actor == root and event.ip_address == "192.0.2.7"
    assert event.changes["roles"] == {"before": [Role.ENABLER.value],
                                      "after": [Role.LEAD.value]}
    assert event.changes["is_active"] == {"before": True, "after": False}
