"""Typed requests: what Fieldbook's middleware adds to Django's ``HttpRequest``, spelled out for
the type checker. Nothing here runs differently; a view only annotates its ``request``.

``HtmxHttpRequest``          any request (django-htmx's middleware sets ``request.htmx``);
``AuthenticatedHttpRequest`` a request that reached a view behind ``@role_required`` or
                             ``@signed_in``: its ``user`` is a signed-in ``User``, never
                             ``AnonymousUser``, so ``actor=request.user`` typechecks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from django.contrib.auth.models import User

View = Callable[..., HttpResponseBase]
V = TypeVar("V", bound=Callable[..., Any])


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    # fieldbook.middleware: the client's address (ClientIPMiddleware), and whether the view
    # shows private notes and how to tell someone else's (PrivateNotesMiddleware).
    client_ip: str | None
    _fb_private_notes: bool
    _fb_someone_elses: Callable[[User, str], bool] | None


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User


def view_mark(view: V, **marks: object) -> V:
    """Set attributes on a view for the middleware and tests/test_access.py to read
    (``allowed_roles``, ``is_public``, ``shows_private_notes``...). A function's attributes are
    not part of its type, hence setattr; ``functools.wraps`` carries them up a decorator stack."""
    for name, value in marks.items():
        setattr(view, name, value)
    return view
