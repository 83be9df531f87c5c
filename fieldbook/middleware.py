"""Fieldbook's security middleware, in the order they sit in ``MIDDLEWARE``.

``ClientIPMiddleware``      remembers the client's address for the audit log;
``SessionLifetimeMiddleware`` ends a signed-in session after inactivity or its absolute lifetime;
``QueryControlCharactersMiddleware`` answers a query string with a NUL or another control
                            character with the 400 page, whatever view it is for;
``OTPMiddleware``           django-otp's, also counting a second factor that a trusted single
                            sign-on provider proved (fieldbook.oidc);
``TwoFactorMiddleware``     sends anyone who has not proved a second factor to do so;
``PrivateNotesMiddleware``  ``Cache-Control: no-store`` on views that show private notes (and
                            ``private`` on every other page for a signed-in user), and audits
                            refusals of private notes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django_htmx.http import HttpResponseClientRedirect
from django_otp.middleware import OTPMiddleware as BaseOTPMiddleware

from fieldbook.http import HtmxHttpRequest
from fieldbook.params import CONTROL, BadParameter
from fieldbook.security import client_ip, needs_two_factor, request_ip, user_is_verified

GetResponse = Callable[[HttpRequest], HttpResponse]

# Session keys written at sign-in (fieldbook.signals) and read here.
SIGNED_IN_AT = "_fb_signed_in_at"
LAST_SEEN_AT = "_fb_last_seen_at"
# "Last seen" is written at most this often, so a busy user costs one session write a minute,
# not one per request (the price: inactivity is measured to within this many seconds).
SEEN_RESOLUTION = 60


def _is_public(view_func: Any) -> bool:
    view_class = getattr(view_func, "view_class", None)
    return bool(getattr(view_func, "is_public", False)
                or getattr(view_class, "is_public", False))


def _redirect(request: HttpRequest, to: str) -> HttpResponse:
    """Go to ``to`` (a path with its query). An htmx request would otherwise swap the whole
    target page into a fragment: it is told to load the page instead."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(to)
    return HttpResponseRedirect(to)


class ClientIPMiddleware:
    """Audit rows written while serving this request record its client address."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxHttpRequest) -> HttpResponse:
        request.client_ip = client_ip(request)
        with request_ip(request.client_ip):
            return self.get_response(request)


class SessionLifetimeMiddleware:
    """A signed-in session ends after ``FIELDBOOK_SESSION_IDLE_SECONDS`` without a request, and
    ``FIELDBOOK_SESSION_MAX_SECONDS`` after sign-in whatever happens (ASVS 5.0 V7.3). Only this
    session ends; the user's others, on other devices, go on."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            signed_in = session.get(SIGNED_IN_AT)
            seen = session.get(LAST_SEEN_AT, signed_in)
            reason = ""
            if not isinstance(signed_in, int) or not isinstance(seen, int):
                reason = "Your session has ended. Sign in again."
            elif now - signed_in > settings.FIELDBOOK_SESSION_MAX_SECONDS:
                hours = settings.FIELDBOOK_SESSION_MAX_SECONDS // 3600
                reason = (f"For your security, you are signed out after {hours} hours. "
                          "Sign in again.")
            elif now - seen > settings.FIELDBOOK_SESSION_IDLE_SECONDS:
                minutes = settings.FIELDBOOK_SESSION_IDLE_SECONDS // 60
                reason = (f"You were signed out because Fieldbook was not used for {minutes} "
                          "minutes. Sign in again.")
            if reason:
                # flush(), not logout(): sign-out ends every session of the user (signals.py);
                # an expiry ends only this one.
                session.flush()
                request.user = AnonymousUser()
                messages.info(request, reason)
            elif isinstance(seen, int) and now - seen >= SEEN_RESOLUTION:
                session[LAST_SEEN_AT] = now
        return self.get_response(request)


class OTPMiddleware(BaseOTPMiddleware):
    """django-otp's middleware (``request.user.is_verified()``), plus: a session whose single
    sign-on provider proved a second factor, and is trusted to (``fieldbook.oidc``), counts as
    verified, for the user it was proved for only. No query beyond django-otp's."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        user = super()._verify_user_sync(request, user)
        self._sso(request, user)
        return user

    async def _verify_user_async_via_auser(self, request: HttpRequest, auser: Any) -> Any:
        user = await super()._verify_user_async_via_auser(request, auser)
        self._sso(request, user)
        return user

    @staticmethod
    def _sso(request: HttpRequest, user: Any) -> None:
        from fieldbook.oidc import SSO_MFA_SESSION_KEY

        if not user.is_authenticated or user.otp_device is not None:
            return
        proved = request.session.get(SSO_MFA_SESSION_KEY)
        if isinstance(proved, dict) and proved.get("user") == user.pk:
            user.is_verified = lambda: True


class TwoFactorMiddleware:
    """Until a signed-in user has proved a second factor in this session (when
    ``FIELDBOOK_REQUIRE_2FA`` is on: every role), every page except public ones and the
    two-factor pages sends them to set one up or to use it.
    Needs django_otp's OTPMiddleware before it."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HtmxHttpRequest, view_func: Any, view_args: Any,
                     view_kwargs: Any) -> HttpResponse | None:
        user = request.user
        if (_is_public(view_func) or getattr(view_func, "two_factor_pending", False)
                or not needs_two_factor(user) or user_is_verified(user)):
            return None
        here = request.get_full_path()
        if getattr(request, "htmx", False) and request.htmx.current_url_abs_path:
            here = request.htmx.current_url_abs_path
        query = urlencode({"next": here}, safe="/")
        return _redirect(request, f"{reverse('two-factor')}?{query}")


class PrivateNotesMiddleware:
    """Pages that show private notes must never be stored by a browser or a proxy, so they are
    ``no-store``; the rest of a signed-in user's pages are ``private`` (never in a shared cache).

    A view shows private notes if it carries ``@private_notes``. Such a view answering 404 to a
    signed-in user means someone asked for notes that are not theirs: the attempt is audited
    (which URL, who, from where; never the notes, which were never loaded)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        shows_notes = getattr(request, "_fb_private_notes", False)
        if shows_notes:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            if response.status_code in (403, 404):
                self._audit_refusal(request, response.status_code)
        elif (getattr(request, "user", None) is not None and request.user.is_authenticated
              and not response.has_header("Cache-Control")):
            patch_cache_control(response, private=True)
        return response

    def process_view(self, request: HtmxHttpRequest, view_func: Any, view_args: Any,
                     view_kwargs: Any) -> None:
        request._fb_private_notes = bool(getattr(view_func, "shows_private_notes", False))
        request._fb_someone_elses = getattr(view_func, "private_notes_someone_elses", None)
        return None

    @staticmethod
    def _audit_refusal(request: HttpRequest, status: int) -> None:
        """Audit a signed-in user turned away from private notes: any 403 (their role has no
        notes), or a 404 for a session that exists but is someone else's (not their own deleted
        one, nor a mistyped number). One query, on refusals only."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        match = request.resolver_match
        object_id = str((match.kwargs if match else {}).get("pk", ""))
        someone_elses = getattr(request, "_fb_someone_elses", None)
        if status == 404 and not (object_id and someone_elses
                                  and someone_elses(user, object_id)):
            return
        from fieldbook.audit import audit_record

        audit_record(
            actor=user, action="security.private_notes.refused",
            changes={"url_name": match.view_name if match else "", "method": request.method,
                     "status": status, "object_id": object_id},
        )


class QueryControlCharactersMiddleware:
    """No query parameter, name or value, may hold a NUL or another control character: no page
    has a use for one, and PostgreSQL refuses NUL in text (a 500 if it got that far). Each view
    still reads its parameters with bounds (``fieldbook.params``); this is the floor under them.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("QUERY_STRING") and any(
            CONTROL.search(key) or any(CONTROL.search(v) for v in values)
            for key, values in request.GET.lists()
        ):
            raise BadParameter("The web address holds a character Fieldbook cannot read.")
        return self.get_response(request)
