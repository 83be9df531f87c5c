"""Security helpers shared by the middleware, the signal receivers and the views.

- ``client_ip``: where a request came from, the same answer for the audit log and for django-axes;
- ``current_ip``: the address of the request being served, for ``audit_record`` (services are
  called without the request, so the middleware puts it in a context variable);
- ``sessions_end``: end every session a user has (sign-out, deactivation);
- ``needs_two_factor``: who must prove a second factor;
- ``private_notes``: marks a view that shows private notes (no-store, and refusals are audited);
- ``BreachedPasswordValidator``: passwords found in breach lists, or easy to guess, are refused.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

from fieldbook.http import View, view_mark

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


_current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "fieldbook_client_ip", default=None
)


# ---- where a request comes from ---------------------------------------------------------------

def _valid_ip(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind ``FIELDBOOK_PROXY_COUNT`` trusted proxies (each appending to
    X-Forwarded-For) it is that many entries from the right; anything further left was written by
    the client and is not trusted. With no proxy it is REMOTE_ADDR."""
    proxies = getattr(settings, "FIELDBOOK_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if part.strip()]
        if len(forwarded) >= proxies:
            found = _valid_ip(forwarded[-proxies])
            if found:
                return found
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def axes_client_ip(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: django-axes keys attempts on the same address we audit."""
    return client_ip(request)


def current_ip() -> str | None:
    return _current_ip.get()


@contextmanager
def request_ip(ip: str | None) -> Iterator[None]:
    token = _current_ip.set(ip)
    try:
        yield
    finally:
        _current_ip.reset(token)


# ---- sessions ---------------------------------------------------------------------------------

def sessions_end(user: User, *, keep: str | None = None) -> int:
    """Delete every stored session of ``user`` (except the session key ``keep``). One query.
    Returns how many ended."""
    from fieldbook.models import UserSession

    sessions = UserSession.objects.filter(user_id=user.pk)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    deleted, _ = sessions.delete()
    return deleted


# ---- two-factor authentication ----------------------------------------------------------------

def needs_two_factor(user: User | AnonymousUser) -> bool:
    """Everyone who signs in must prove a second factor (a passkey, an authenticator app or a
    recovery code) when ``FIELDBOOK_REQUIRE_2FA`` is on: enablers hold private notes, leads and
    admins see many places, and a user with no role yet may be given one. No query."""
    return bool(settings.FIELDBOOK_REQUIRE_2FA and getattr(user, "is_authenticated", False))


def user_is_verified(user: User | AnonymousUser) -> bool:
    """Has the user proved a second factor in this session? django_otp's OTPMiddleware gives
    ``request.user`` an ``is_verified()`` method at run time (a user without it has not)."""
    is_verified: Callable[[], bool] | None = getattr(user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def two_factor_pending(view: View) -> View:
    """Mark a view that a signed-in user who still owes a second factor may open (the two-factor
    pages themselves). Everything else sends them there first."""
    return view_mark(view, two_factor_pending=True)


# ---- private notes ----------------------------------------------------------------------------

def private_notes(view: View | None = None, *,
                  someone_elses: Callable[[User, str], bool] | None = None) -> Any:
    """Mark a view that shows (or takes) an enabler's private notes: ``@private_notes``, or
    ``@private_notes(someone_elses=check)`` for a view of one object by ``pk``.

    ``fieldbook.middleware.PrivateNotesMiddleware`` then sends ``Cache-Control: no-store`` with
    every response it gives, and audits a refusal as ``security.private_notes.refused``: any
    403, and a 404 for which ``check(user, pk)`` says the object exists and is someone else's
    (someone asking for notes that are not theirs; the app that owns the notes supplies the
    check, so the ground floor names no domain model). Put it outermost or anywhere: it only
    sets attributes, which ``functools.wraps`` carries up the decorator stack.
    """

    def mark(func: View) -> View:
        return view_mark(func, shows_private_notes=True,
                         private_notes_someone_elses=someone_elses)

    return mark(view) if view is not None else mark


# ---- passwords --------------------------------------------------------------------------------

class BreachedPasswordValidator:
    """Refuses passwords that appear in breach lists or are easy to guess, offline.

    zxcvbn (Dropbox's estimator) ships, inside the package, 30,000 passwords from breach corpora
    and 60,000 English words, names and surnames, and spots passwords built from them (l33t,
    reversed, with dates, repeats and keyboard walks). A password that *is* a breached password
    (however disguised) is refused as breached; one that zxcvbn scores below ``min_score`` (of 4)
    is refused as too easy to guess. Django's CommonPasswordValidator (20,000 more) runs as well.
    Only the first ``max_checked`` characters are checked: zxcvbn slows with length, and a
    password that long is not guessable anyway.
    """

    DOMAIN_WORDS = ("fieldbook", "nhs", "enabler", "programme", "leadership", "england")

    def __init__(self, min_score: int = 3, max_checked: int = 64) -> None:
        self.min_score = min_score
        self.max_checked = max_checked

    def validate(self, password: str, user: User | None = None) -> None:
        from zxcvbn import zxcvbn

        inputs = list(self.DOMAIN_WORDS)
        if user is not None:
            for field in ("username", "first_name", "last_name", "email"):
                value = getattr(user, field, "") or ""
                inputs.extend(part for part in str(value).replace("@", " ").replace(".", " ")
                              .split() if len(part) > 2)
        checked = password[: self.max_checked]
        result = zxcvbn(checked, user_inputs=inputs)
        for match in result["sequence"]:
            if (match.get("pattern") == "dictionary"
                    and match.get("dictionary_name") == "passwords"
                    and match["i"] == 0 and match["j"] == len(checked) - 1):
                raise ValidationError(
                    "This password is in a list of passwords exposed in data breaches. "
                    "Choose a different one.",
                    code="password_breached",
                )
        if result["score"] < self.min_score:
            hint = (result.get("feedback") or {}).get("warning") or ""
            raise ValidationError(
                "This password is too easy to guess%(hint)s. Use 3 or 4 unrelated words, or "
                "let your password manager make one.",
                code="password_guessable",
                params={"hint": f" ({hint.rstrip('.').lower()})" if hint else ""},
            )

    def get_help_text(self) -> str:
        return ("Your password cannot be one found in data breaches or one that is easy to "
                "guess.")


# ---- error reports ------------------------------------------------------------------------------

class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    """``DEFAULT_EXCEPTION_REPORTER_FILTER``: an error report (the email Django sends to ADMINS
    with DEBUG off) shows no submitted values and no local variables. A form that failed may
    have held private notes in both; the traceback and the field names are enough to debug."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def is_active(self, request: Any) -> bool:
        return True
