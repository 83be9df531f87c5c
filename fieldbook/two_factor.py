"""Two-factor authentication with django-otp: a passkey (WebAuthn, django-otp-webauthn) or an
authenticator app (TOTP), plus ten single-use recovery codes for the day the device is lost.

Reads and writes for the two-factor pages (fieldbook.views), the passkey ceremonies
(fieldbook.passkeys) and the ``two_factor_reset`` management command. The TOTP secret never
leaves the server except as the QR code and key shown once, on the set-up page, to the user it
belongs to; a passkey's private key never reaches the server at all.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import segno
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from fieldbook.audit import audit_record
from fieldbook.security import needs_two_factor, user_is_verified

RECOVERY_CODES = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class TwoFactorError(Exception):
    """A change to someone's second factors that would break a rule (the view shows the
    message)."""


@dataclass(frozen=True)
class Devices:
    totp: TOTPDevice | None
    recovery: StaticDevice | None
    passkeys: list[WebAuthnCredential]
    recovery_left: int

    @property
    def factors(self) -> int:
        """Passkeys and authenticator apps: what proves the second factor day to day.
        Recovery codes are the spare key, not a factor of their own."""
        return len(self.passkeys) + (1 if self.totp else 0)


def two_factor_devices(user: User) -> Devices:
    """The user's confirmed authenticator, recovery codes (with how many are unused) and
    passkeys, oldest first. Three queries."""
    recovery = (StaticDevice.objects.filter(user=user, confirmed=True)
                .annotate(left=Count("token_set")).first())
    return Devices(
        totp=TOTPDevice.objects.filter(user=user, confirmed=True).first(),
        recovery=recovery,
        passkeys=list(WebAuthnCredential.objects.filter(user=user, confirmed=True)
                      .order_by("created_at", "pk")),
        recovery_left=recovery.left if recovery is not None else 0,
    )


def may_add_factor(user: User) -> bool:
    """Adding a passkey or an authenticator app needs the second factor proved in this session,
    unless there is none yet: a stolen password alone must not add the thief's device."""
    from django_otp import user_has_device

    return user_is_verified(user) or not user_has_device(user)


def get_passkey_for(user: User, pk: int) -> WebAuthnCredential:
    """One of ``user``'s own passkeys; anyone else's is "not found"."""
    passkey = WebAuthnCredential.objects.filter(user=user, pk=pk, confirmed=True).first()
    if passkey is None:
        raise Http404("No such passkey.")
    return passkey


def totp_device_pending(user: User) -> TOTPDevice:
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


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    return codes


@transaction.atomic
def two_factor_confirm(*, user: User, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator (its code has just been checked), replace any recovery codes
    with new ones, and return the codes to show once."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _recovery_codes_replace(user)
    audit_record(actor=user, action="accounts.two_factor.enrolled", obj=user,
                 changes={"method": "authenticator app", "recovery_codes": RECOVERY_CODES})
    return codes


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """Ten new recovery codes, replacing any the user had (after a passkey is set up, or when
    codes run low or may have been seen). Needs a passkey or an authenticator app: codes alone
    are no second factor."""
    if not two_factor_devices(user).factors:
        raise TwoFactorError("Set up a passkey or an authenticator app first.")
    codes = _recovery_codes_replace(user)
    audit_record(actor=user, action="accounts.recovery_codes.issued", obj=user,
                 changes={"recovery_codes": RECOVERY_CODES})
    return codes


@transaction.atomic
def passkey_registered(*, user: User, passkey: WebAuthnCredential) -> None:
    """Audit a passkey just saved by the registration ceremony (fieldbook.passkeys)."""
    audit_record(actor=user, action="accounts.passkey.registered", obj=passkey,
                 changes={"name": passkey.name, "user": user.get_username()})


@transaction.atomic
def passkey_remove(*, user: User, passkey: WebAuthnCredential) -> None:
    """Remove one of the user's passkeys. While a second factor is required, the last passkey
    or authenticator app cannot go: the user would be locked out, or back to a password alone.
    With no factor left (two-factor off), the recovery codes go too."""
    if passkey.user_id != user.pk:
        raise TwoFactorError("That passkey is not yours.")
    devices = two_factor_devices(user)
    if devices.factors <= 1 and needs_two_factor(user):
        raise TwoFactorError("This is your only way to prove it is you. Add another passkey or "
                             "an authenticator app before you remove it.")
    audit_record(actor=user, action="accounts.passkey.removed", obj=passkey,
                 changes={"name": passkey.name, "user": user.get_username()})
    passkey.delete()
    if devices.factors <= 1:
        StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def two_factor_reset(*, actor: User | None, user: User) -> int:
    """Remove every device, passkeys included (a lost phone or laptop): the user sets up a new
    one at their next sign-in. Their sessions end too, so a session verified with the lost
    device cannot go on."""
    from fieldbook.security import sessions_end

    removed = 0
    for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
        # Count the devices, not the rows deleted with them (codes, attestations).
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
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
