"""Every view declares who may use it with ``@role_required``.

The decorator requires login (anonymous users go to the login page; an htmx request is told to
load it as a whole page, not to swap it into a fragment), then checks the user's roles (others
get 403). It records the roles on the view so the URL x role test can prove every
URL declares them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django_htmx.http import HttpResponseClientRedirect

from fieldbook.http import View, view_mark
from fieldbook.roles import Role, user_roles


def to_login(request: HttpRequest) -> HttpResponse:
    """Send an anonymous visitor to sign in, then back here. For an htmx request "here" is the
    page in the address bar, not the fragment's URL."""
    htmx = getattr(request, "htmx", None)
    if htmx:
        response = redirect_to_login(htmx.current_url_abs_path or request.get_full_path())
        return HttpResponseClientRedirect(response.url)
    return redirect_to_login(request.get_full_path())


def role_required(*roles: Role) -> Callable[[View], View]:
    if not roles:
        raise ValueError("role_required needs at least one role")
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return to_login(request)
            if not (user_roles(request.user) & allowed):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return view_mark(wrapped, allowed_roles=allowed)

    return decorator


def public(view: View) -> View:
    """Mark a view that deliberately needs no login (login, password reset, health)."""
    return view_mark(view, allowed_roles=frozenset(), is_public=True)


def signed_in(view: View) -> View:
    """Any signed-in user, whatever their role (the home page, which routes by role)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return to_login(request)
        return view(request, *args, **kwargs)

    return view_mark(wrapped, allowed_roles=frozenset(Role), allows_roleless=True)
