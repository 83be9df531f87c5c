"""The two steps of a single sign-on (fieldbook.oidc): off to the provider, and back.

Signing in this way keeps what the password sign-in has: the throttles (a client that is
spraying passwords, or a username locked from this client, is turned away here too), a new
session key (``django.contrib.auth.login``), the session records (fieldbook.signin_sessions),
the session clocks (fieldbook.signals) and the audit of each sign-in and each refusal.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from fieldbook import throttling
from fieldbook.access import public
from fieldbook.audit import audit_record
from fieldbook.oidc import (
    NEXT_SESSION_KEY,
    SSO_MFA_SESSION_KEY,
    OIDCProvider,
    client_for,
    mfa_proved,
    provider_for,
    sso_match,
)
from fieldbook.security import needs_two_factor
from fieldbook.views import _safe_next, locked_out

logger = logging.getLogger(__name__)

PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Failures of the exchange itself (not the person's account): the page says so, the log says
# which (never a token or a claim).
EXCHANGE_ERRORS = (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError)
ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")


def _provider_or_404(slug: str) -> OIDCProvider:
    provider = provider_for(slug)
    if provider is None:
        raise Http404("No such sign-in provider.")
    return provider


def _refused(request: HttpRequest, provider: OIDCProvider, reason: str, *,
             email: str = "", user: Any = None, status: int = 403) -> HttpResponse:
    """The clear page, and its audit row: the username if an account has the address, else only
    the address's domain (an address that has no account is no business of the log's)."""
    changes: dict[str, Any] = {"method": "single sign-on", "provider": provider.name,
                               "reason": reason}
    if user is not None:
        changes["username"] = user.get_username()
    elif email:
        changes["email_domain"] = email.rpartition("@")[2].lower()[:100]
    audit_record(actor=None, action="accounts.signin.sso_refused", obj=user, changes=changes)
    return render(request, "registration/sso-refused.html", {
        "provider": provider, "reason": reason, "email": email if reason in {
            "unknown", "unverified", "ambiguous"} else "",
    }, status=status)


@never_cache
@require_POST
@public
def sso_begin(request: HttpRequest, provider: str) -> HttpResponse:
    """The "Sign in with …" button: off to the provider's sign-in page, with a fresh state,
    nonce and PKCE verifier kept in this session. A POST, so no other site can start it."""
    chosen = _provider_or_404(provider)
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    request.session[NEXT_SESSION_KEY] = _safe_next(request)
    redirect_uri = request.build_absolute_uri(reverse("sso-callback", args=[chosen.slug]))
    try:
        response: HttpResponse = client_for(chosen).authorize_redirect(request, redirect_uri)
    except (requests.RequestException, *EXCHANGE_ERRORS) as exc:
        logger.warning("single sign-on: %s could not be reached (%s)", chosen.slug,
                       type(exc).__name__)
        return _refused(request, chosen, "unavailable", status=503)
    return response


@never_cache
@require_GET
@public
def sso_callback(request: HttpRequest, provider: str) -> HttpResponse:
    """Back from the provider: check the answer, find the account, sign in."""
    chosen = _provider_or_404(provider)
    if throttling.address_is_spraying(request):
        audit_record(actor=None, action="accounts.signin.throttled",
                     changes={"method": "single sign-on", "provider": chosen.name})
        return locked_out(request, spraying=True)
    client = client_for(chosen)
    try:
        token = client.authorize_access_token(request)
    except MismatchingStateError:
        return _refused(request, chosen, "state")
    except requests.RequestException as exc:
        logger.warning("single sign-on: %s could not be reached (%s)", chosen.slug,
                       type(exc).__name__)
        return _refused(request, chosen, "unavailable", status=503)
    except EXCHANGE_ERRORS as exc:
        # The error code is logged only if it looks like one: the query string is anyone's.
        code = str(getattr(exc, "error", "") or "")
        logger.warning("single sign-on: %s answer refused (%s%s)", chosen.slug,
                       type(exc).__name__, f": {code}" if ERROR_CODE.match(code) else "")
        reason = "cancelled" if code == "access_denied" else "failed"
        return _refused(request, chosen, reason)
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        return _refused(request, chosen, "failed")  # no ID token: not OpenID Connect
    if "email" not in claims or chosen.verified_claim not in claims:
        try:
            info = dict(client.userinfo(token=token))  # the claims not in the ID token
        except (requests.RequestException, *EXCHANGE_ERRORS):
            return _refused(request, chosen, "failed")
        if info.get("sub") != claims["sub"]:
            return _refused(request, chosen, "failed")
        claims.update({key: info[key] for key in ("email", chosen.verified_claim)
                       if key in info and key not in claims})
    match = sso_match(chosen, claims)
    if match.reason:
        return _refused(request, chosen, match.reason, email=match.email, user=match.user)
    user = match.user
    assert user is not None
    if throttling.username_is_locked(request, user.get_username()):
        audit_record(actor=None, action="accounts.signin.throttled", obj=user, changes={
            "method": "single sign-on", "provider": chosen.name,
            "username": user.get_username()})
        return locked_out(request)
    target = request.session.pop(NEXT_SESSION_KEY, "") or _safe_next(request)
    login(request, user, backend=PASSWORD_BACKEND)  # a new session key
    proved = mfa_proved(chosen, claims)
    if proved:
        request.session[SSO_MFA_SESSION_KEY] = {"user": user.pk, "provider": chosen.slug}
    audit_record(actor=user, action="accounts.signin.succeeded", obj=user, changes={
        "username": user.get_username(), "method": "single sign-on", "provider": chosen.name,
        "second_factor": ("proved by the provider" if proved else
                          "asked by Fieldbook" if needs_two_factor(user) else "not required"),
    })
    return redirect(target)
