"""Two-factor authentication with django-otp: a TOTP authenticator app, plus ten single-use
recovery codes for the day the phone is lost.

Reads and writes for the two-factor pages (fieldbook.views) and the ``two_factor_reset``
management command. The TOTP secret never leaves the server except as the QR code and key shown
once, on the set-up page, to the user it belongs to.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import segno
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record

RECOVERY_CODES = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


@dataclass(frozen=True)
class Devices:
    totp: TOTPDevice | None
    recovery: StaticDevice | None


def two_factor_devices(user: Any) -> Devices:
    """The user's confirmed authenticator and recovery codes. Two queries."""
    return Devices(
        totp=TOTPDevice.objects.filter(user=user, confirmed=True).first(),
        recovery=StaticDevice.objects.filter(user=user, confirmed=True).first(),
    )


def totp_device_pending(user: Any) -> TOTPDevice:
    """The authenticator being set up: the same secret on every visit until it is confirmed
    (so a reload does not invalidate a QR code already scanned)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def device_may_verify(device: Any) -> tuple[bool, int]:
    """(allowed, seconds to wait). django-otp doubles the wait after each wrong code."""
    if device is None:
        return True, 0
    verdict = device.verify_is_allowed()
    allowed, details = verdict if isinstance(verdict, tuple) else (verdict, None)
    if allowed:
        return True, 0
    locked_until = (details or {}).get("locked_until")
    wait = int((locked_until - timezone.now()).total_seconds()) + 1 if locked_until else 1
    return False, max(wait, 1)


@transaction.atomic
def two_factor_confirm(*, user: Any, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator (its code has just been checked), replace any recovery codes
    with new ones, and return the codes to show once."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    audit_record(actor=user, action="accounts.two_factor.enrolled", obj=user,
                 changes={"recovery_codes": RECOVERY_CODES})
    return codes


@transaction.atomic
def two_factor_reset(*, actor: Any | None, user: Any) -> int:
    """Remove every device (a lost phone): the user sets up a new one at their next sign-in.
    Their sessions end too, so a session verified with the lost device cannot go on."""
    from .security import sessions_end

    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    sessions_end(user)
    audit_record(actor=actor, action="accounts.two_factor.reset", obj=user,
                 changes={"devices_removed": removed})
    return removed


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code. No style attributes (our CSP forbids inline
    styles): colours are SVG presentation attributes."""
    qr = segno.make(device.config_url, error="m")
    return str(qr.svg_inline(scale=5, border=4, dark="#212b32", light="#ffffff",
                             svgclass="app-qr", lineclass=None, omitsize=False))


def totp_key_text(device: TOTPDevice) -> str:
    """The secret as base32 in groups of four, for typing into an app instead of scanning."""
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))
