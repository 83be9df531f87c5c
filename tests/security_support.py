"""Helpers for the security tests: signing in with a verified second factor, and the django-axes
backend the test settings use."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class RequestOptionalAxesBackend(AxesStandaloneBackend):
    """django-axes' backend, except that a sign-in with no request (the test client's
    ``Client.login``) is let through to the next backend instead of raising."""

    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def totp_device_for(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def current_code(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code an authenticator app shows now (``offset`` steps away)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                drift=offset)
    return f"{code:06d}"


def verified_client(user: Any) -> Client:
    """A client signed in as ``user`` having proved a second factor, as after the two-factor
    page (what ``django_otp.login`` stores in the session)."""
    client = Client()
    client.force_login(user)
    device = totp_device_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
