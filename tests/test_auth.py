"""Authentication and sessions (issue 7, point 3, OWASP ASVS 5.0 level 2) and their audit trail
(point 5): password rules, sign-in throttling, two-factor authentication, session lifetimes,
sign-out and deactivation ending every session.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice import accounts
from fieldbook.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from fieldbook.models import AuditEvent, UserSession
from fieldbook.roles import Role
from fieldbook.two_factor import two_factor_reset

from .factories import TEST_PASSWORD, UserFactory
from .security_support import current_code, totp_device_for, verified_client

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client: Client, username: str, password: str = TEST_PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


# ---- passwords --------------------------------------------------------------------------------

@pytest.mark.parametrize(("password", "code"), [
    ("short-pass1", "password_too_short"),              # 11 characters
    ("password1234", "password_breached"),              # in the breach list, 12 characters
    ("qwertyuiop123", "password_breached"),
    ("1q2w3e4r5t6y", "password_breached"),
    ("P@ssw0rd12345", "password_guessable"),            # a breached password, disguised
    ("liverpool2024!", "password_guessable"),
    ("fieldbook-2024", "password_guessable"),           # the service's own name
    ("123456789012", "password_entirely_numeric"),
])
def test_weak_passwords_are_refused(password: str, code: str) -> None:
    user = UserFactory.build(username="nia.new", first_name="Nia", last_name="Newton",
                             email="nia.new@example.nhs.uk")
    with pytest.raises(ValidationError) as refused:
        password_validation.validate_password(password, user)
    assert code in {e.code for e in refused.value.error_list}


@pytest.mark.parametrize("password", [
    "correct-horse-battery-staple", "a-long-new-passphrase-for-fieldbook",
    "Tide pools at Morecambe in June", "vK8#qL2!xR9@mZ4p",
])
def test_strong_passwords_are_accepted(password: str) -> None:
    user = UserFactory.build(username="nia.new", email="nia.new@example.nhs.uk")
    password_validation.validate_password(password, user)


def test_a_breached_password_cannot_be_chosen_when_accepting_an_invitation(
    admin_user: User
) -> None:
    invitation = accounts.user_invite(
        actor=admin_user, email="nia.new@example.nhs.uk", first_name="Nia", last_name="New",
        role=Role.ENABLER.value, link_for=lambda token: f"https://x/{token}")
    token = "t-" + "x" * 30
    from backoffice.accounts import token_hash

    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash"])
    with pytest.raises(accounts.DomainError) as refused:
        accounts.invitation_accept(token=token, password="password1234")
    assert "data breaches" in str(refused.value.field_errors)


# ---- signing in: a new session id, audit, throttling ------------------------------------------

def test_signing_in_gives_a_new_session_id_and_is_audited(lead_user: User) -> None:
    client = Client()
    client.get(LOGIN)
    client.session.save()
    session_key = client.session.session_key
    assert session_key is not None
    client.cookies["sessionid"] = session_key
    before = client.session.session_key
    response = sign_in(client, "lead", REMOTE_ADDR="203.0.113.20")
    assert response.status_code == 302
    after = client.session.session_key
    assert after and after != before
    assert not UserSession.objects.filter(session_key=before).exists()
    assert UserSession.objects.get(session_key=after).user == lead_user
    event = AuditEvent.objects.get(action="accounts.signin.succeeded")
    assert (event.actor, event.ip_address) == (lead_user, "203.0.113.20")


def test_a_failed_sign_in_is_audited_without_the_password(
    lead_user: User, caplog: pytest.LogCaptureFixture
) -> None:
    typed = "CANARY-typed-password-77"
    caplog.set_level(logging.DEBUG)
    response = sign_in(Client(), "lead", typed, REMOTE_ADDR="198.51.100.30")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="accounts.signin.failed")
    assert event.ip_address == "198.51.100.30"
    assert event.changes == {"username": "lead", "locked_out": False}
    everything = str(list(AuditEvent.objects.values())) + caplog.text
    from axes.models import AccessAttempt

    everything += str(list(AccessAttempt.objects.values()))
    assert typed not in everything
    assert typed not in response.content.decode()


def test_five_wrong_passwords_lock_the_username_with_a_clear_message(lead_user: User) -> None:
    client = Client()
    for _ in range(4):
        assert sign_in(client, "lead", "wrong-password-123").status_code == 200
    locked = sign_in(client, "lead", "wrong-password-123")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Too many attempts to sign in" in text
    assert "15 minutes" in text
    assert "reset your password" in text
    # Even the right password is refused while the lock lasts, from that address (a lead
    # signing in from elsewhere is not: tests/test_signin_abuse.py).
    again = sign_in(Client(), "lead")
    assert again.status_code == 429
    assert "_auth_user_id" not in Client().session
    assert AuditEvent.objects.filter(action="accounts.signin.failed",
                                     changes__locked_out=True).exists()
    # Other people are not locked out.
    other = UserFactory.create(username="other-lead", roles=[Role.LEAD])
    assert sign_in(Client(), other.username).status_code == 302


def test_the_lock_lifts_after_the_cool_off(lead_user: User, settings: Any) -> None:
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(5):
        sign_in(client, "lead", "wrong-password-123")
    assert sign_in(client, "lead").status_code == 429
    # As if the 15 minutes had passed.
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")
    from axes.models import AccessAttemptExpiration

    AccessAttemptExpiration.objects.update(expires_at="2000-01-01T00:15:00Z")
    assert sign_in(client, "lead").status_code == 302


def test_a_right_password_resets_the_count(lead_user: User) -> None:
    client = Client()
    for _ in range(4):
        sign_in(client, "lead", "wrong-password-123")
    assert sign_in(client, "lead").status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert sign_in(client, "lead", "wrong-password-123").status_code == 200


# ---- two-factor authentication ----------------------------------------------------------------

def test_the_login_page_says_when_two_factor_is_off(client: Client, settings: Any) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = False
    assert "Two-factor authentication is off" in client.get(LOGIN).content.decode()
    settings.FIELDBOOK_REQUIRE_2FA = True
    page = client.get(LOGIN).content.decode()
    assert "Two-factor authentication is off" not in page
    assert "security code" in page


def test_a_lead_sets_up_an_authenticator_then_signs_in_with_it(
    lead_user: User, settings: Any
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    client = Client()
    response = sign_in(client, "lead")
    assert response.url == reverse("home")
    # Every page sends them to two-factor authentication first, which starts with set-up.
    response = client.get("/programmes/")
    assert response["Location"] == "/accounts/two-factor/?next=/programmes/"
    response = client.get(response["Location"])
    assert response["Location"] == "/accounts/two-factor/set-up/?next=/programmes/"
    choice = client.get(response["Location"]).content.decode()
    assert 'href="/accounts/two-factor/set-up/passkey/?next=/programmes/"' in choice
    assert 'href="/accounts/two-factor/set-up/app/?next=/programmes/"' in choice
    page = client.get("/accounts/two-factor/set-up/app/?next=/programmes/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "style=" not in html.split("<svg", 1)[1].split("</svg>")[0]
    assert "no-store" in page["Cache-Control"]
    key = re.search(r'<code id="totp-key">([A-Z2-7 ]+)</code>', html)
    assert key
    device = TOTPDevice.objects.get(user=lead_user, confirmed=False)
    assert key[1].replace(" ", "") in device.config_url

    assert client.post(page.request["PATH_INFO"], {"token": "000000", "next": "/programmes/"}
                       ).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post("/accounts/two-factor/set-up/app/",
                       {"token": current_code(device), "next": "/programmes/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/programmes/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.two_factor.enrolled",
                                     actor=lead_user).exists()

    # Next time: password, then the code.
    client.post(reverse("logout"))
    sign_in(client, "lead")
    assert client.get("/programmes/")["Location"] == "/accounts/two-factor/?next=/programmes/"
    # Set-up cannot replace or add a device with only a password.
    assert client.get("/accounts/two-factor/set-up/")["Location"].startswith(
        "/accounts/two-factor/?")
    assert client.get("/accounts/two-factor/set-up/app/")["Location"].startswith(
        "/accounts/two-factor/?")
    assert client.get("/accounts/two-factor/set-up/passkey/")["Location"].startswith(
        "/accounts/two-factor/?")
    wrong = client.post("/accounts/two-factor/", {"token": "123456", "next": "/programmes/"})
    assert "The code is not right" in wrong.content.decode()
    # A recovery code works once.
    before = client.session.session_key
    ok = client.post("/accounts/two-factor/", {"token": codes[0], "next": "/programmes/"})
    assert ok["Location"] == "/programmes/"
    assert client.session.session_key != before  # a new session id once verified
    assert client.get("/programmes/").status_code == 200
    client.post(reverse("logout"))
    sign_in(client, "lead")
    reused = client.post("/accounts/two-factor/", {"token": codes[0]})
    assert reused.status_code == 200
    assert StaticDevice.objects.get(user=lead_user).token_set.count() == 9
    assert AuditEvent.objects.filter(action="accounts.two_factor.failed").count() >= 2


def test_wrong_codes_are_throttled(lead_user: User, settings: Any) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    device = totp_device_for(lead_user)
    client = Client()
    sign_in(client, "lead")
    client.post("/accounts/two-factor/", {"token": "000000"})
    client.post("/accounts/two-factor/", {"token": "000001"})
    # Even the right code now has to wait (1, 2, 4… seconds after each wrong one).
    response = client.post("/accounts/two-factor/", {"token": current_code(device)})
    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/programmes/").status_code != 200


def test_every_role_needs_two_factor_enablers_included(
    settings: Any, enabler_user: User, admin_user: User, roleless_user: User
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    enabler = Client()
    sign_in(enabler, "enabler")
    # Enablers hold the private notes: they are sent to set up a second factor first.
    assert enabler.get("/week/")["Location"] == "/accounts/two-factor/?next=/week/"
    assert enabler.get("/accounts/two-factor/?next=/week/")["Location"] == (
        "/accounts/two-factor/set-up/?next=/week/")
    roleless = Client()
    sign_in(roleless, "roleless")
    assert roleless.get("/")["Location"].startswith("/accounts/two-factor/")
    admin = Client()
    sign_in(admin, admin_user.username)
    assert admin.get("/manage/")["Location"].startswith("/accounts/two-factor/")
    assert admin.get("/django-admin/")["Location"].startswith("/accounts/two-factor/")
    staff = UserFactory.create(username="staff-only", is_staff=True)
    client = Client()
    sign_in(client, staff.username)
    assert client.get("/django-admin/")["Location"].startswith("/accounts/two-factor/")
    # With two-factor off (the local demo), nobody is asked.
    settings.FIELDBOOK_REQUIRE_2FA = False
    assert enabler.get("/week/").status_code == 200


def test_an_htmx_request_is_sent_to_the_two_factor_page_as_a_whole_page(
    lead_user: User, settings: Any
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    client = Client()
    sign_in(client, "lead")
    response = client.get("/programmes/", headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/programmes/?quiet=1"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/two-factor/?next=/programmes/%3Fquiet%3D1"


def test_resetting_two_factor_removes_the_devices_and_ends_sessions(
    lead_user: User, admin_user: User, settings: Any
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    client = verified_client(lead_user)
    assert client.get("/programmes/").status_code == 200
    two_factor_reset(actor=admin_user, user=lead_user)
    assert not TOTPDevice.objects.filter(user=lead_user).exists()
    assert client.get("/programmes/").status_code == 302
    assert AuditEvent.objects.filter(action="accounts.two_factor.reset").exists()


def test_the_management_command_resets_two_factor(lead_user: User) -> None:
    from django.core.management import call_command

    totp_device_for(lead_user)
    call_command("two_factor_reset", "lead")
    assert not TOTPDevice.objects.filter(user=lead_user).exists()


# ---- session lifetime -------------------------------------------------------------------------

def _age_session(client: Client, *, signed_in_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[SIGNED_IN_AT] = now - signed_in_ago
    session[LAST_SEEN_AT] = now - seen_ago
    session.save()


def test_a_session_ends_after_30_minutes_without_use(enabler_client: Client) -> None:
    _age_session(enabler_client, signed_in_ago=3600, seen_ago=29 * 60)
    assert enabler_client.get("/week/").status_code == 200
    _age_session(enabler_client, signed_in_ago=3600, seen_ago=31 * 60)
    response = enabler_client.get("/week/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/week/"
    login = enabler_client.get(response["Location"])
    assert "not used for 30 minutes" in login.content.decode()


def test_a_session_ends_12_hours_after_sign_in_however_busy(enabler_client: Client) -> None:
    _age_session(enabler_client, signed_in_ago=12 * 3600 - 60, seen_ago=10)
    assert enabler_client.get("/week/").status_code == 200
    _age_session(enabler_client, signed_in_ago=12 * 3600 + 1, seen_ago=10)
    assert enabler_client.get("/week/").status_code == 302


def test_activity_is_recorded_at_most_once_a_minute(enabler_client: Client) -> None:
    _age_session(enabler_client, signed_in_ago=100, seen_ago=30)
    enabler_client.get("/week/")
    assert int(time.time()) - enabler_client.session[LAST_SEEN_AT] >= 29
    _age_session(enabler_client, signed_in_ago=100, seen_ago=90)
    enabler_client.get("/week/")
    assert int(time.time()) - enabler_client.session[LAST_SEEN_AT] <= 2


def test_an_expired_htmx_request_loads_the_sign_in_page(enabler_client: Client) -> None:
    _age_session(enabler_client, signed_in_ago=3600, seen_ago=3600)
    response = enabler_client.get("/week/", headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/week/?week=2024-01-08"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/week/%3Fweek%3D2024-01-08"


def test_expiry_ends_only_that_session(enabler_user: User) -> None:
    laptop, phone = Client(), Client()
    laptop.force_login(enabler_user)
    phone.force_login(enabler_user)
    _age_session(laptop, signed_in_ago=3600, seen_ago=3600)
    assert laptop.get("/week/").status_code == 302
    assert phone.get("/week/").status_code == 200


# ---- signing out and deactivation end every session -------------------------------------------

def test_signing_out_ends_every_session_of_the_user(enabler_user: User, lead_user: User
                                                    ) -> None:
    laptop, phone, someone_else = Client(), Client(), Client()
    for client in (laptop, phone):
        client.force_login(enabler_user)
    someone_else.force_login(lead_user)
    assert UserSession.objects.filter(user=enabler_user).count() == 2
    response = laptop.post(reverse("logout"), REMOTE_ADDR="192.0.2.50")
    assert response.status_code == 302
    assert not UserSession.objects.filter(user=enabler_user).exists()
    assert phone.get("/week/").status_code == 302
    assert someone_else.get("/programmes/").status_code == 200
    event = AuditEvent.objects.get(action="accounts.signout")
    assert (event.actor, event.ip_address) == (enabler_user, "192.0.2.50")


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(
    enabler_user: User, admin_user: User, admin_client_fb: Client
) -> None:
    laptop = Client()
    laptop.force_login(enabler_user)
    assert laptop.get("/week/").status_code == 200
    response = admin_client_fb.post(
        reverse("backoffice:user-deactivate", args=[enabler_user.pk]), REMOTE_ADDR="192.0.2.60")
    assert response.status_code == 302
    assert not UserSession.objects.filter(user=enabler_user).exists()
    assert laptop.get("/week/").status_code == 302
    admin_client_fb.post(reverse("backoffice:user-reactivate", args=[enabler_user.pk]))
    assert laptop.get("/week/").status_code == 302  # the old session is gone for good
    event = AuditEvent.objects.get(action="accounts.user.deactivated")
    assert (event.actor, event.ip_address) == (admin_user, "192.0.2.60")


def test_a_role_change_is_audited_with_who_and_where(
    enabler_user: User, admin_user: User, admin_client_fb: Client
) -> None:
    response = admin_client_fb.post(reverse("backoffice:user-detail", args=[enabler_user.pk]),
                                    {"roles": [Role.LEAD.value]}, REMOTE_ADDR="192.0.2.61")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="accounts.user.roles_changed")
    assert (event.actor, event.ip_address) == (admin_user, "192.0.2.61")
    assert event.changes == {"before": [Role.ENABLER.value], "after": [Role.LEAD.value]}


def test_the_audit_page_shows_sign_ins_with_where_from(
    lead_user: User, admin_client_fb: Client
) -> None:
    sign_in(Client(), "lead", REMOTE_ADDR="203.0.113.77")
    sign_in(Client(), "lead", "wrong-password-123", REMOTE_ADDR="203.0.113.78")
    page = admin_client_fb.get(reverse("backoffice:audit"), {"area": "accounts."})
    html = page.content.decode()
    assert "accounts.signin.succeeded" in html and "accounts.signin.failed" in html
    assert "203.0.113.77" in html and "203.0.113.78" in html


def test_the_client_address_behind_a_proxy(settings: Any, lead_user: User) -> None:
    settings.FIELDBOOK_PROXY_COUNT = 1
    # The client can write anything to the left; only the proxy's entry is trusted.
    sign_in(Client(), "lead", REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    assert AuditEvent.objects.get(action="accounts.signin.succeeded").ip_address == \
        "203.0.113.5"


def test_a_deactivated_user_cannot_sign_in(enabler_user: User) -> None:
    enabler_user.is_active = False
    enabler_user.save()
    response = sign_in(Client(), "enabler")
    assert response.status_code == 200
    assert isinstance(response.wsgi_request.user, AnonymousUser)


def test_a_signed_in_user_changes_their_own_password(client: Any) -> None:
    from django.contrib.auth import get_user_model

    user = UserFactory.create(username="changer", roles=[Role.ENABLER])
    user.set_password("an old passphrase 1234")
    user.save()
    elsewhere = Client()
    assert elsewhere.login(username="changer", password="an old passphrase 1234")
    assert client.login(username="changer", password="an old passphrase 1234")

    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and b"Change your password" in page.content

    wrong = client.post(reverse("password_change"), {
        "old_password": "not it", "new_password1": "x", "new_password2": "x"})
    assert wrong.status_code == 200
    assert b"There is a problem" in wrong.content

    done = client.post(reverse("password_change"), {
        "old_password": "an old passphrase 1234",
        "new_password1": "heather moorland kestrel 77",
        "new_password2": "heather moorland kestrel 77"})
    assert done.status_code == 302 and done.url == reverse("password_change_done")
    assert get_user_model().objects.get(pk=user.pk).check_password("heather moorland kestrel 77")
    # This browser stays signed in; the other session is ended by the changed password hash.
    assert client.get(reverse("password_change_done")).status_code == 200
    assert elsewhere.get(reverse("password_change")).status_code == 302
    event = AuditEvent.objects.get(action="accounts.password.changed")
    assert event.actor_id == user.pk
    assert "heather" not in str(event.changes)
