"""Limits on signing in and on password resets, so neither can be used against someone.

Signing in (django-axes, settings ``AXES_*``):

- wrong passwords lock the *pair* of username and client address, after ``AXES_FAILURE_LIMIT``
  tries, for ``AXES_COOLOFF_TIME``: a stranger guessing from elsewhere cannot lock a colleague
  out, and NHS staff behind one shared address (HSCN) are not locked out together;
- one client trying many usernames (password spraying) is throttled on its own: once failures
  from one address reach more than ``FIELDBOOK_SPRAY_USERNAMES`` usernames within the cool-off
  time, that address may not sign in until the cool-off has passed (``address_is_spraying``);
- a failed sign-in keeps the username only if an account has it (``axes_username``), never
  raw text that might be a password typed into the wrong box.

Password resets (``reset_allowed``): at most ``FIELDBOOK_RESETS_PER_ADDRESS`` emails an hour to
one address and ``FIELDBOOK_RESETS_PER_CLIENT`` asks an hour from one client, counted alike for
addresses that have an account and those that do not, so the limit tells nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone

from fieldbook.models import PasswordResetRequest
from fieldbook.security import client_ip

RESET_WINDOW = dt.timedelta(hours=1)
RESET_KEPT = dt.timedelta(days=1)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """``AXES_USERNAME_CALLABLE``: the username tried, if an account has it; else "" (what was
    typed may be a password in the wrong box, and is kept nowhere)."""
    typed = str((credentials or {}).get("username") or request.POST.get("username") or "")
    typed = typed.strip()[:150]
    if typed and get_user_model()._default_manager.filter(username=typed).exists():
        return typed
    return ""


def address_is_spraying(request: HttpRequest) -> bool:
    """Whether sign-ins from this client failed for more than ``FIELDBOOK_SPRAY_USERNAMES``
    usernames (unknown ones count as one) within the cool-off time. One query."""
    from axes.models import AccessAttempt

    ip = client_ip(request)
    if not ip or not getattr(settings, "AXES_ENABLED", True):
        return False
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    tried = (AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since)
             .values("username").distinct().count())
    return tried > settings.FIELDBOOK_SPRAY_USERNAMES


def address_digest(address: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()


def reset_allowed(request: HttpRequest, address: str) -> bool:
    """Record an ask for a reset email to ``address`` and say whether it is within the limits
    (a refused ask is not recorded, so waiting always works). Three queries, and a fourth that
    forgets asks older than a day."""
    now = timezone.now()
    PasswordResetRequest.objects.filter(created_at__lt=now - RESET_KEPT).delete()
    digest, ip = address_digest(address), client_ip(request) or None
    recent = PasswordResetRequest.objects.filter(created_at__gte=now - RESET_WINDOW)
    if recent.filter(address_digest=digest).count() >= settings.FIELDBOOK_RESETS_PER_ADDRESS:
        return False
    if ip and recent.filter(client_ip=ip).count() >= settings.FIELDBOOK_RESETS_PER_CLIENT:
        return False
    PasswordResetRequest.objects.create(address_digest=digest, client_ip=ip)
    return True


def username_is_locked(request: HttpRequest, username: str) -> bool:
    """Whether django-axes has locked ``username`` from this client after wrong passwords: a
    single sign-on is turned away too while it is (the same lock, whichever way in)."""
    if not getattr(settings, "AXES_ENABLED", True):
        return False
    from axes.handlers.proxy import AxesProxyHandler

    return bool(AxesProxyHandler.is_locked(request, credentials={"username": username}))
