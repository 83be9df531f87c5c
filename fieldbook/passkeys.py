"""Passkeys (WebAuthn) as a second factor, with django-otp-webauthn.

Its JavaScript (served from its own static files) talks to four JSON endpoints: begin and
complete a registration, begin and complete an authentication. They are its views, subclassed
here to fit Fieldbook's rules, and routed here (``passkey_urlpatterns``, namespace
``otp_webauthn`` as its template tags expect) so each declares who may use it:

- every endpoint needs a signed-in user (a passkey never signs anyone in on its own:
  ``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN`` is off) and may be used while the second factor is
  still owed (``two_factor_pending``);
- registering needs the second factor proved in this session unless the user has none yet (the
  library checks that itself, before any other check);
- proving the factor, or registering the first one, gives the session a new key (a privilege
  change, as after a code) and is audited, as is a failed attempt.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import AbstractWebAuthnCredential
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from fieldbook.access import public, signed_in
from fieldbook.audit import audit_record
from fieldbook.security import two_factor_pending
from fieldbook.two_factor import passkey_registered

# (pattern in the User-Agent, what people call that device), first match wins. Only to name a
# new passkey so the user can tell theirs apart on the manage page; nothing depends on it.
_PLATFORMS: tuple[tuple[str, str], ...] = (
    (r"iPhone", "iPhone"), (r"iPad", "iPad"), (r"Android", "Android phone"),
    (r"Windows", "Windows computer"), (r"Macintosh|Mac OS X", "Mac"),
    (r"CrOS", "Chromebook"), (r"Linux", "Linux computer"),
)


def passkey_name(user_agent: str) -> str:
    """A name for a new passkey from the browser that made it: "Passkey on Android phone"."""
    for pattern, platform in _PLATFORMS:
        if re.search(pattern, user_agent):
            return f"Passkey on {platform}"
    return "Passkey"


class FieldbookWebAuthnHelper(WebAuthnHelper):
    """``OTP_WEBAUTHN_HELPER_CLASS``: names each new passkey and audits its registration in the
    same transaction as the save."""

    def create_credential(self, user: User, response: Any, parsed_credential: Any,
                          original_data: dict[str, Any]) -> AbstractWebAuthnCredential:
        device = super().create_credential(user, response, parsed_credential, original_data)
        device.name = passkey_name(self.request.headers.get("User-Agent", ""))
        return device

    def register_complete(self, user: User, state: dict[str, Any],
                          data: dict[str, Any]) -> AbstractWebAuthnCredential:
        with transaction.atomic():
            device = super().register_complete(user=user, state=state, data=data)
            passkey_registered(user=user, passkey=device)
        return device


class PasskeyRegistrationBegin(BeginCredentialRegistrationView):
    pass


class PasskeyRegistrationComplete(CompleteCredentialRegistrationView):
    """The library marks a session that had no second factor as verified by the new passkey;
    that session then gets a new key (its page goes on to the recovery codes). Another passkey,
    added from the manage page, is announced there."""

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        was_verified = self.request.user.is_verified()
        response = super().post(*args, **kwargs)
        if not was_verified and self.request.user.is_verified():
            self.request.session.cycle_key()
        elif was_verified:
            messages.success(self.request, "Your passkey has been added")
        return response


class PasskeyAuthenticationBegin(BeginCredentialAuthenticationView):
    pass


class PasskeyAuthenticationComplete(CompleteCredentialAuthenticationView):
    """The second factor proved with a passkey: the same new session key and audit row as a
    code from the app (fieldbook.views.two_factor). A refused passkey is audited as a failure."""

    def complete_auth(self, device: AbstractWebAuthnCredential) -> Any:
        super().complete_auth(device)
        self.request.session.cycle_key()
        user: User = self.request.user
        audit_record(actor=user, action="accounts.two_factor.verified", obj=user,
                     changes={"method": "passkey", "passkey": device.name})

    def handle_exception(self, exc: Exception) -> HttpResponse:
        user = self.request.user
        if isinstance(exc, exceptions.OTPWebAuthnApiError) and user.is_authenticated:
            audit_record(actor=user, action="accounts.two_factor.failed", obj=user,
                         changes={"method": "passkey", "reason": exc.code})
        return super().handle_exception(exc)


def _ceremony(view: type[Any]) -> Any:
    """A JSON endpoint of the ceremonies: POST only (405 before anything else), signed in, open
    while the second factor is owed."""
    return require_POST(signed_in(two_factor_pending(view.as_view())))


passkey_urlpatterns = [
    path("registration/begin/", _ceremony(PasskeyRegistrationBegin),
         name="credential-registration-begin"),
    path("registration/complete/", _ceremony(PasskeyRegistrationComplete),
         name="credential-registration-complete"),
    path("authentication/begin/", _ceremony(PasskeyAuthenticationBegin),
         name="credential-authentication-begin"),
    path("authentication/complete/", _ceremony(PasskeyAuthenticationComplete),
         name="credential-authentication-complete"),
    # The library's messages for its script (a JavaScript file, the same for everyone).
    path("jsi18n/", public(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])),
         name="js-i18n-catalog"),
]

