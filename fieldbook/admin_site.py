"""The Django admin as break-glass: superusers only, with a verified second factor, every change
mirrored into Fieldbook's audit log (README "Confidentiality").

Fieldbook admins do their work on Manage (users, roles, reference data, onboarding), where every
change is audited by the services. The Django admin is for a superuser repairing data by hand.
Nothing that holds an enabler's private notes is registered in it, and it has no page that sets
anyone's password (fieldbook.admin).

Anyone else who is signed in gets the site's 404 page: not the admin's sign-in page, which for a
signed-in user would send them round in a loop, and not a 403, which would say the URL exists.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from fieldbook.http import V

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType

_ACTIONS = {1: "added", 2: "changed", 3: "deleted"}  # django.contrib.admin.models ADDITION...


def _may_enter(request: HttpRequest) -> bool:
    user = request.user
    if not (user.is_active and user.is_superuser):
        return False
    # TwoFactorMiddleware already sends a superuser who owes a code to the code page; this is
    # the same rule again at the door, in case the middleware is ever reordered.
    return not settings.FIELDBOOK_REQUIRE_2FA or bool(getattr(user, "is_verified", bool)())


def _mirror_log_entries(user: User, since_pk: int) -> None:
    """Copy the admin's own change log rows written by this request into the audit log, in our
    dotted names (``django_admin.places.place.changed``). One query to read them, one INSERT
    each (a break-glass edit is rare)."""
    from django.contrib.admin.models import LogEntry

    from fieldbook.audit import audit_record

    for entry in (LogEntry.objects.filter(pk__gt=since_pk, user_id=user.pk)
                  .select_related("content_type").order_by("pk")):
        # django-stubs types LogEntry.content_type as a bare ForeignKey.
        content_type = cast("ContentType | None", entry.content_type)
        model = (f"{content_type.app_label}.{content_type.model}"
                 if content_type else "unknown")
        verb = _ACTIONS.get(entry.action_flag, "changed")
        audit_record(
            actor=user, action=f"django_admin.{model}.{verb}",
            changes={"object_id": entry.object_id, "object": entry.object_repr,
                     "change": entry.get_change_message()},
        )


class FieldbookAdminSite(admin.AdminSite):
    site_header = "Fieldbook break-glass administration"
    site_title = "Fieldbook break-glass"
    index_title = "Repairs by a superuser (every change is in the audit log)"

    def has_permission(self, request: HttpRequest) -> bool:
        return _may_enter(request)

    def admin_view(self, view: V, cacheable: bool = False) -> V:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated and not _may_enter(request):
                raise Http404("No such page.")
            if request.method in ("GET", "HEAD", "OPTIONS"):
                return inner(request, *args, **kwargs)
            from django.contrib.admin.models import LogEntry

            since = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = inner(request, *args, **kwargs)
            user = request.user
            if user.is_authenticated:
                _mirror_log_entries(user, since)
            return response

        return cast(V, guarded)  # wraps(view): the same signature
