"""Every view declares who may use it with ``@role_required``.

The decorator requires login (anonymous users go to the login page), then checks the user's
roles (others get 403). It records the roles on the view so the URL x role test can prove every
URL declares them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .roles import Role, user_roles

View = Callable[..., HttpResponse]


def role_required(*roles: Role) -> Callable[[View], View]:
    if not roles:
        raise ValueError("role_required needs at least one role")
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user_roles(request.user) & allowed):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: View) -> View:
    """Mark a view that deliberately needs no login (login, password reset, health)."""
    view.allowed_roles = frozenset()  # type: ignore[attr-defined]
    view.is_public = True  # type: ignore[attr-defined]
    return view


def signed_in(view: View) -> View:
    """Any signed-in user, whatever their role (the home page, which routes by role)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.allowed_roles = frozenset(Role)  # type: ignore[attr-defined]
    wrapped.allows_roleless = True  # type: ignore[attr-defined]
    return wrapped
