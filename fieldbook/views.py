from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login

from .access import public, signed_in
from .audit import audit_record
from .forms import LoginForm, OTPTokenForm
from .roles import Role, user_roles
from .security import needs_two_factor, two_factor_pending
from .two_factor import (
    device_may_verify,
    totp_device_pending,
    totp_key_text,
    totp_qr_svg,
    two_factor_confirm,
    two_factor_devices,
)

# Where each role starts. A user with several roles starts at the first that applies.
ROLE_START_PAGES: tuple[tuple[Role, str], ...] = (
    (Role.ADMIN, "places:admin-home"),
    (Role.LEAD, "engagements:dashboard"),
    (Role.ENABLER, "engagements:my-week"),
)


@require_GET
@signed_in
def home(request: HttpRequest) -> HttpResponse:
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

class LoginView(auth_views.LoginView):
    """Django's login view, saying on the page whether a second factor will be asked for."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["two_factor_required"] = settings.FIELDBOOK_REQUIRE_2FA
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        audit_record(actor=user, action="accounts.signin.succeeded", obj=user,
                     changes={"username": user.get_username()})
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        """A wrong password (or a locked-out username) is audited with the username as typed,
        never the password. Empty fields are not an attempt and are not recorded."""
        username = str(form.data.get("username", "")).strip()[:150]
        if username and form.data.get("password"):
            audit_record(actor=None, action="accounts.signin.failed", changes={
                "username": username,
                "locked_out": bool(getattr(self.request, "axes_locked_out", False)),
            })
        return super().form_invalid(form)


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
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enter the code from the authenticator app (or a recovery code) after signing in."""
    user = request.user
    if not needs_two_factor(user):
        return redirect(_safe_next(request))
    devices = two_factor_devices(user)
    if not devices.totp:
        return redirect(_with_next("two-factor-setup", _safe_next(request)))
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(_safe_next(request))
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
                                    "enter the code it shows now")
    return render(request, "registration/two-factor-verify.html",
                  {"form": form, "next": _safe_next(request)})


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in
@two_factor_pending
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code,
    then note the recovery codes, shown this once."""
    user = request.user
    if not needs_two_factor(user):
        return redirect(_safe_next(request))
    devices = two_factor_devices(user)
    if devices.totp:
        # Replacing a device needs the old one: a stolen password alone must not do it.
        return redirect(_with_next("two-factor", _safe_next(request)))
    device = totp_device_pending(user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, wait = device_may_verify(device)
        if not allowed:
            form.add_error("token", f"Too many wrong codes. Wait {wait} seconds, then try again")
        elif device.verify_token(form.cleaned_data["token"]):
            codes = two_factor_confirm(user=user, device=device)
            _verified(request, device)
            return render(request, "registration/two-factor-recovery-codes.html",
                          {"codes": codes, "next": _safe_next(request)})
        else:
            form.add_error("token", "The code is not right. Check the time on your phone is set "
                                    "automatically, then enter the code the app shows now")
    return render(request, "registration/two-factor-setup.html", {
        "form": form, "next": _safe_next(request), "qr_svg": totp_qr_svg(device),
        "key": totp_key_text(device),
    })


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict[str, Any] | None = None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the page for a username that is locked after too many wrong
    passwords, with 429 Too Many Requests. It does not repeat the username typed."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked-out.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes,
    }, status=429)


@require_GET
@public
def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin's sign-in URL sends people to Fieldbook's sign-in page (and back)."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    return redirect(_with_next("login", target))
