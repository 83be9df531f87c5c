"""The Django admin's user pages, made safe for break-glass use (fieldbook.admin_site).

Only superusers with a verified second factor reach the Django admin at all. Even they cannot:
- set or change anyone's password (no "add user" page, whose form takes a password; no password
  page; no password field). People are invited from Manage → Users and choose their own; an
  admin can send a reset link to the person's own address from there, audited;
- change a username or email address (an email changed here plus a reset link would hand the
  account to whoever owns the new address);
- see or remove anyone's second factors: the django-otp device pages are not registered. A lost
  device is reset with ``manage.py two_factor_reset`` on the host, which is audited.
A superuser's role or status change made here is audited in our own words, and every change is
also mirrored from the admin's log (fieldbook.admin_site).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import AbstractUser
from django.http import Http404, HttpRequest, HttpResponse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from fieldbook.admin_site import AuditedModelAdmin
from fieldbook.audit import audit_record

User = get_user_model()


def _roles_and_status(user: AbstractUser) -> tuple[list[str], bool, bool, bool]:
    row = User.objects.filter(pk=user.pk).values("is_active", "is_staff", "is_superuser").first()
    names = sorted(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))
    return names, bool(row and row["is_active"]), bool(row and row["is_staff"]), \
        bool(row and row["is_superuser"])


for model in (User, TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class FieldbookUserAdmin(AuditedModelAdmin, UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "email", "first_name", "last_name")}),
        ("Status and roles", {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                         "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("username", "email", "last_login", "date_joined")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people are invited from Manage → Users and choose their own password

    def user_change_password(self, request: HttpRequest, id: str,
                             form_url: str = "") -> HttpResponse:
        raise Http404("Nobody sets another person's password. Send them a reset link from "
                      "Manage → Users.")

    def save_model(self, request: HttpRequest, obj: AbstractUser, form: Any, change: bool) -> None:
        if change:
            request._fb_user_before = _roles_and_status(obj)  # type: ignore[attr-defined]  # read by save_related, same request
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_fb_user_before", None)
        if before is None:
            return
        after = _roles_and_status(form.instance)
        if after != before:
            labels = ("roles", "is_active", "is_staff", "is_superuser")
            audit_record(
                actor=request.user, action="accounts.user.changed_in_django_admin",
                obj=form.instance,
                changes={f"{label}": {"before": b, "after": a}
                         for label, b, a in zip(labels, before, after, strict=True) if a != b},
            )
