"""Helpers for the security tests: signing in with a verified second factor, and the django-axes
backend the test settings use."""

from __future__ import annotations

import secrets
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential


class RequestOptionalAxesBackend(AxesStandaloneBackend):
    """django-axes' backend, except that a sign-in with no request (the test client's
    ``Client.login``) is let through to the next backend instead of raising."""

    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def totp_device_for(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def passkey_for(user: User, *, name: str = "Passkey on Android phone") -> WebAuthnCredential:
    """A passkey row as the registration ceremony saves it (the key itself is never used: tests
    that sign in with a passkey drive a real browser's virtual authenticator)."""
    return WebAuthnCredential.objects.create(
        user=user, name=name, confirmed=True, credential_id=secrets.token_bytes(32),
        public_key=b"not a real public key", aaguid="00000000-0000-0000-0000-000000000000")


def current_code(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code an authenticator app shows now (``offset`` steps away)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                drift=offset)
    return f"{code:06d}"


def verified_client(user: User, device: Any = None) -> Client:
    """A client signed in as ``user`` having proved a second factor (``device``, else their
    authenticator app, made if need be), as after the two-factor page (what
    ``django_otp.login`` stores in the session)."""
    client = Client()
    client.force_login(user)
    device = device or totp_device_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
