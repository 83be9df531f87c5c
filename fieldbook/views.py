from __future__ import annotations

import smtplib
from typing import Any
from urllib.parse import urlencode

from celery.exceptions import MaxRetriesExceededError, Retry
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from kombu.exceptions import KombuError

from fieldbook import oidc, throttling
from fieldbook.access import public, signed_in
from fieldbook.audit import audit_record
from fieldbook.forms import LoginForm, OTPTokenForm
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role, user_roles
from fieldbook.security import needs_two_factor, two_factor_pending, user_is_verified
from fieldbook.tasks import send_password_reset
from fieldbook.two_factor import (
    TwoFactorError,
    device_may_verify,
    get_passkey_for,
    may_add_factor,
    passkey_remove,
    recovery_codes_issue,
    totp_device_pending,
    totp_key_text,
    totp_qr_svg,
    two_factor_confirm,
    two_factor_devices,
)

# Where each role starts. A user with several roles starts at the first that applies.
ROLE_START_PAGES: tuple[tuple[Role, str], ...] = (
    (Role.ADMIN, "backoffice:admin-home"),
    (Role.LEAD, "engagements:dashboard"),
    (Role.ENABLER, "engagements:my-week"),
    (Role.DPO, "engagements:subject-access"),
)


@require_GET
@signed_in
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    held = user_roles(request.user)
    for role, url_name in ROLE_START_PAGES:
        if role in held:
            return redirect(url_name)
    return render(request, "fieldbook/home-no-role.html", status=200)


@require_GET
@public
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers and docker-compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# ---- signing in and out ------------------------------------------------------------------------

def demo_accounts() -> list[dict[str, Any]]:
    """The demo accounts to list on the sign-in page: only with DEBUG on (``make run``), and
    only those the demo data made (``FIELDBOOK_SIGNIN_ACCOUNTS``, by default
    ``demo.accounts.signin_accounts``). Production lists none, whatever its users are called."""
    path = getattr(settings, "FIELDBOOK_SIGNIN_ACCOUNTS", "")
    if not (settings.DEBUG and path):
        return []
    accounts: list[dict[str, Any]] = import_string(path)()
    return accounts


class LoginView(auth_views.LoginView):
    """Django's login view, saying on the page whether a second factor will be asked for."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["two_factor_required"] = settings.FIELDBOOK_REQUIRE_2FA
        context["demo_accounts"] = demo_accounts()
        context["sso_providers"] = oidc.providers()
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        """The "Sign in with …" forms post here, then are sent on to the provider: a browser
        holds that redirect to this page's CSP form-action, so the providers are added to it."""
        response = super().render_to_response(context, **kwargs)
        origins = oidc.form_action_origins()
        if origins:
            response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        audit_record(actor=user, action="accounts.signin.succeeded", obj=user,
                     changes={"username": user.get_username()})
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """A client that has tried too many usernames is turned away before any password is
        checked (``fieldbook.throttling``), whichever username it tries next."""
        if throttling.address_is_spraying(request):
            audit_record(actor=None, action="accounts.signin.throttled", changes={
                "username": throttling.axes_username(request, None)})
            return locked_out(request, spraying=True)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        """A wrong password (or a locked-out username) is audited with the username if an
        account has it, never what was typed otherwise (it may be a password in the wrong box).
        Empty fields are not an attempt and are not recorded."""
        typed = str(form.data.get("username", "")).strip()
        if typed and form.data.get("password"):
            audit_record(actor=None, action="accounts.signin.failed", changes={
                "username": throttling.axes_username(self.request, {"username": typed}),
                "locked_out": bool(getattr(self.request, "axes_locked_out", False)),
            })
        return super().form_invalid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, with the email queued rather than sent in the request.

    Every address asked about, with an account or without, takes the same path: the rate
    limits are checked and recorded (committed: the view runs in autocommit), then
    ``fieldbook.send_password_reset`` is queued; the worker finds the accounts and sends.
    So the answer, and its timing, says nothing about whether an account has the address.
    If the job cannot be queued (or, with tasks run inline, the mail server refuses it), the
    page says so instead of "sent".
    """

    form_class = PasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        address = form.cleaned_data["email"]
        if not throttling.reset_allowed(self.request, address):
            return render(self.request, "registration/password-reset-too-many.html", {
                "per_address": settings.FIELDBOOK_RESETS_PER_ADDRESS}, status=429)
        domain, secure = self.request.get_host(), self.request.is_secure()
        try:
            # The ask is committed already (autocommit): only the queueing is left.
            send_password_reset.apply_async((address, domain, secure), retry=False)
        except (KombuError, OSError, smtplib.SMTPException, Retry, MaxRetriesExceededError):
            form.add_error(None, "Fieldbook could not send the email just now. Nothing was "
                                 "sent: try again in a few minutes.")
            response = self.form_invalid(form)
            response.status_code = 503
            return response
        return redirect(self.get_success_url())


class LogoutView(auth_views.LogoutView):
    """Signing out ends every session of the user (fieldbook.signals) and asks the browser to
    forget what it kept for Fieldbook: cached pages and local storage (unsaved drafts hold
    private notes; a shared computer must not keep them)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            audit_record(actor=user, action="accounts.signout", obj=user)
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in user changes their own password. The current session stays signed in; every
    other session of theirs ends, because Django checks each session against the password hash
    on its next request. Audited (never with the passwords)."""

    request: AuthenticatedHttpRequest  # behind @signed_in (fieldbook.urls)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(actor=self.request.user, action="accounts.password.changed",
                     obj=self.request.user)
        return response


# ---- two-factor authentication -----------------------------------------------------------------

def _with_next(url_name: str, target: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': target}, safe='/')}"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _verified(request: HttpRequest, device: Any) -> None:
    """The second factor is proved: remember the device in the session, under a new session
    key (a privilege change, like signing in)."""
    otp_login(request, device)
    request.session.cycle_key()


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in
@two_factor_pending
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Prove the second factor after the password: the passkey first, if the user has one (its
    script posts to fieldbook.passkeys), then a code from the authenticator app, or a recovery
    code (this form, which works without JavaScript)."""
    user = request.user
    if not needs_two_factor(user) or user_is_verified(user):
        return redirect(_safe_next(request))
    devices = two_factor_devices(user)
    if not devices.factors and not devices.recovery:
        return redirect(_with_next("two-factor-setup", _safe_next(request)))
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        device = devices.totp if token.isdigit() else devices.recovery
        allowed, wait = device_may_verify(device)
        if not allowed:
            form.add_error("token", f"Too many wrong codes. Wait {wait} seconds, then try again")
        elif device is not None and device.verify_token(token):
            _verified(request, device)
            audit_record(actor=user, action="accounts.two_factor.verified", obj=user,
                         changes={"method": "recovery code" if device is devices.recovery
                                  else "authenticator app"})
            return redirect(_safe_next(request))
        else:
            audit_record(actor=user, action="accounts.two_factor.failed", obj=user)
            form.add_error("token", "The code is not right. Check your authenticator app and "
                                    "enter the code it shows now" if devices.totp else
                                    "The code is not right. Check the recovery code and enter "
                                    "it again")
    return render(request, "registration/two-factor-verify.html",
                  {"form": form, "next": _safe_next(request), "devices": devices})


@never_cache
@require_GET
@signed_in
@two_factor_pending
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose a second factor: a passkey, or an authenticator app. Only for someone who has
    none yet; anyone else manages theirs (or proves one first)."""
    user = request.user
    if not may_add_factor(user):
        return redirect(_with_next("two-factor", _safe_next(request)))
    if two_factor_devices(user).factors:
        return redirect("two-factor-manage")
    return render(request, "registration/two-factor-setup.html", {"next": _safe_next(request)})


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in
@two_factor_pending
def two_factor_setup_app(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code,
    then note the recovery codes, shown this once. One app per user."""
    user = request.user
    if not may_add_factor(user):
        # Adding a device needs an existing one: a stolen password alone must not do it.
        return redirect(_with_next("two-factor", _safe_next(request)))
    if two_factor_devices(user).totp:
        return redirect("two-factor-manage")
    device = totp_device_pending(user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, wait = device_may_verify(device)
        if not allowed:
            form.add_error("token", f"Too many wrong codes. Wait {wait} seconds, then try again")
        elif device.verify_token(form.cleaned_data["token"]):
            was_verified = user_is_verified(user)
            codes = two_factor_confirm(user=user, device=device)
            if not was_verified:
                _verified(request, device)
            return render(request, "registration/two-factor-recovery-codes.html",
                          {"codes": codes, "next": _safe_next(request), "method": "app"})
        else:
            form.add_error("token", "The code is not right. Check the time on your phone is set "
                                    "automatically, then enter the code the app shows now")
    return render(request, "registration/two-factor-setup-app.html", {
        "form": form, "next": _safe_next(request), "qr_svg": totp_qr_svg(device),
        "key": totp_key_text(device),
    })


@never_cache
@require_GET
@signed_in
@two_factor_pending
def two_factor_setup_passkey(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Register a passkey (the library's script, on this page, runs the ceremony). The first
    factor goes on to the recovery codes; another passkey goes back to the manage page."""
    user = request.user
    if not may_add_factor(user):
        return redirect(_with_next("two-factor", _safe_next(request)))
    first = not two_factor_devices(user).factors
    return render(request, "registration/two-factor-setup-passkey.html",
                  {"next": _safe_next(request), "first": first})


@never_cache
@require_POST
@signed_in
def two_factor_recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ten new recovery codes, shown once (after a first passkey, or asked for on the manage
    page). Needs the second factor proved (TwoFactorMiddleware), like every page not marked
    two_factor_pending."""
    try:
        codes = recovery_codes_issue(user=request.user)
    except TwoFactorError:
        return redirect(_with_next("two-factor-setup", _safe_next(request)))
    return render(request, "registration/two-factor-recovery-codes.html",
                  {"codes": codes, "next": _safe_next(request),
                   "method": "passkey" if request.POST.get("method") == "passkey" else ""})


@never_cache
@require_GET
@signed_in
def two_factor_manage(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's passkeys, authenticator app and recovery codes, and what they can change."""
    devices = two_factor_devices(request.user)
    return render(request, "registration/two-factor-manage.html", {
        "devices": devices,
        "may_remove": devices.factors > 1 or not needs_two_factor(request.user),
        "two_factor_required": settings.FIELDBOOK_REQUIRE_2FA,
    })


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in
def two_factor_passkey_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm, then remove, one of the user's own passkeys (anyone else's is 404)."""
    passkey = get_passkey_for(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            passkey_remove(user=request.user, passkey=passkey)
        except TwoFactorError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Removed “{passkey.name}”")
            return redirect("two-factor-manage")
    return render(request, "registration/two-factor-passkey-remove.html",
                  {"passkey": passkey, "error": error})


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict[str, Any] | None = None, *,
               spraying: bool = False) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the page for a username locked (from this client) after too
    many wrong passwords, or for a client that tried too many usernames, with 429 Too Many
    Requests. It does not repeat the username typed."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked-out.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes,
        "spraying": spraying,
    }, status=429)


@require_GET
@public
def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin's sign-in URL sends people to Fieldbook's sign-in page (and back)."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    return redirect(_with_next("login", target))
