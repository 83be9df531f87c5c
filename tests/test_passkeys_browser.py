"""Passkeys in a real browser: Chromium's virtual authenticator (over the DevTools protocol)
plays the phone's fingerprint reader, so the whole WebAuthn ceremony runs for real — the
library's script, our JSON endpoints, py_webauthn's checks of the signed challenge.

An enabler (who holds private notes, so must prove a second factor) signs in with a password,
registers a passkey, saves the recovery codes, signs out, and signs in again with the password
and the passkey, landing on My week.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from enablers.models import Assignment
from fieldbook.models import AuditEvent

from .factories import TEST_PASSWORD, AssignmentFactory, EnablerFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def passkey_site(live_server: Any, settings: Any, role_groups: None) -> str:
    """Two-factor on, as in production, with the live server as the relying party. WebAuthn
    needs a secure context and a host name for its relying party ID: http://localhost is both
    (pytest-django's live server listens on localhost)."""
    assert live_server.url.startswith("http://localhost:"), live_server.url
    settings.FIELDBOOK_REQUIRE_2FA = True
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    return str(live_server.url)


def add_virtual_authenticator(page: Page) -> Any:
    """A platform authenticator that says yes to every fingerprint (user verification)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
    }})
    return cdp


def sign_in_with_password(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_enabler_registers_a_passkey_then_signs_in_with_it(
    page: Page, passkey_site: str, console_errors: list[str]
) -> None:
    enabler = EnablerFactory.create(user__username="erin", user__first_name="Erin")
    AssignmentFactory.create(enabler=enabler, role=Assignment.Role.LEAD)
    user = enabler.user
    add_virtual_authenticator(page)

    # Password, then the choice of second factor: a passkey.
    sign_in_with_password(page, passkey_site, "erin")
    page.wait_for_url(re.compile(r"/accounts/two-factor/set-up/\?next="))
    page.get_by_role("link", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="Set up a passkey", level=1)).to_be_visible()
    page.get_by_role("button", name="Create a passkey").click()

    # The passkey is saved; the recovery codes follow, shown once.
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.get_by_text("Your passkey is set up")).to_be_visible()
    assert page.locator(".app-recovery-codes li").count() == 10
    passkey = WebAuthnCredential.objects.get(user=user)
    assert passkey.confirmed and passkey.name.startswith("Passkey")
    assert AuditEvent.objects.filter(actor=user, action="accounts.passkey.registered").exists()
    assert AuditEvent.objects.filter(actor=user, action="accounts.recovery_codes.issued").exists()
    page.get_by_role("link", name="I have saved my recovery codes").click()
    page.wait_for_url(re.compile(r"/week/$"))
    expect(page.get_by_role("heading", name="My week", level=1)).to_be_visible()

    # The manage page lists it.
    page.get_by_role("link", name="Passkeys and codes").click()
    expect(page.locator(".app-factor-list")).to_contain_text(passkey.name)
    expect(page.get_by_text("You have 10 unused recovery codes")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))

    # Next time: the password, then the passkey, offered first.
    sign_in_with_password(page, passkey_site, "erin")
    page.wait_for_url(re.compile(r"/accounts/two-factor/\?next="))
    expect(page.get_by_role("heading", name="Confirm it is you", level=1)).to_be_visible()
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(re.compile(r"/week/$"))
    expect(page.get_by_role("heading", name="My week", level=1)).to_be_visible()
    verified = AuditEvent.objects.filter(actor=user, action="accounts.two_factor.verified").get()
    assert verified.changes["method"] == "passkey"
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
